"""Loads OGC API - Features collections with QGIS's own OAPIF provider (headless) and prints what it read as JSON.

Usage: /usr/bin/python3 qgis_oapif.py ROOT_URL TOKEN COLLECTION [COLLECTION ...]
QGIS 3.22 sends no custom headers for OAPIF and has no bearer-token auth method; it does keep the query string of
the landing-page URL and appends it to every request it builds, so the token travels as `?token=`.
"""
import json
import os
import sys

os.environ.setdefault('QT_QPA_PLATFORM', 'offscreen')

from qgis.core import QgsApplication, QgsVectorLayer  # noqa: E402


def main() -> None:
    root, token, *collections = sys.argv[1:]
    app = QgsApplication([], False)
    app.initQgis()
    out = {}
    try:
        for name in collections:
            layer = QgsVectorLayer(f"url='{root}?token={token}' typename='{name}'", name, 'OAPIF')
            if not layer.isValid():
                out[name] = {'valid': False, 'error': layer.dataProvider().error().message() if layer.dataProvider() else ''}
                continue
            ids = [str(f['id']) for f in layer.getFeatures()]
            extent = layer.extent()
            out[name] = {
                'valid': True,
                'featureCount': layer.featureCount(),
                'ids': ids,
                'crs': layer.crs().authid(),
                'extent': [extent.xMinimum(), extent.yMinimum(), extent.xMaximum(), extent.yMaximum()],
            }
            # A provider still alive at exitQgis() crashes QGIS 3.22 on the way out (segfault after the work).
            del layer
    finally:
        app.exitQgis()
    print(json.dumps(out), flush=True)


if __name__ == '__main__':
    main()
