"""QGIS (headless) as a vector-tile client of our server: loads an XYZ vector-tile layer from a URL template and
reports, as JSON on stdout, the features QGIS itself fetched and decoded in one tile.

Usage: QT_QPA_PLATFORM=offscreen /usr/bin/python3 qgis_vector_tiles.py URL_TEMPLATE Z X Y LAYER FIELD,FIELD,…

URL_TEMPLATE is the tile URL with {z}/{x}/{y} (the `tiles` entry of our TileJSON, token included); LAYER and the
FIELDs name the MVT layer and the attributes to decode (its TileJSON `vector_layers` entry).

Output: {"valid": bool, "errors": [...], "tiles": {"z/x/y": {LAYER: [{field: value, …, "_wkt": …}, …]}}}

QGIS 3.22's Python API exposes neither the raw tile nor its MVT decoder, so the features come from a renderer:
QGIS fetches the tile through its own network manager, decodes it, and hands the decoded features to
renderTile, which here records them instead of drawing. QGIS decodes only the layers and attributes that the
renderer's styles use, so every style's filter names every field (a Python usedAttributes() override does not
reach QGIS through the 3.22 bindings).
"""
import json
import sys

from qgis.core import (
    QgsApplication,
    QgsCoordinateReferenceSystem,
    QgsDataSourceUri,
    QgsMapRendererSequentialJob,
    QgsMapSettings,
    QgsRectangle,
    QgsVectorTileBasicRenderer,
    QgsVectorTileBasicRendererStyle,
    QgsVectorTileLayer,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QSize

# Web Mercator half-width (EPSG:3857), metres.
ORIGIN = 20037508.342789244
GEOMETRY_TYPES = (QgsWkbTypes.PointGeometry, QgsWkbTypes.LineGeometry, QgsWkbTypes.PolygonGeometry)


class RecordingRenderer(QgsVectorTileBasicRenderer):
    """Records the decoded features of each tile instead of drawing them."""

    def __init__(self, sink, layer, fields):
        super().__init__()
        self.sink, self.layer, self.fields = sink, layer, fields
        uses_every_field = " OR ".join(f'"{n}" IS NULL OR "{n}" IS NOT NULL' for n in fields)
        styles = []
        for geometry_type in GEOMETRY_TYPES:
            style = QgsVectorTileBasicRendererStyle(layer, layer, geometry_type)
            style.setFilterExpression(uses_every_field)
            styles.append(style)
        self.setStyles(styles)

    def clone(self):
        return RecordingRenderer(self.sink, self.layer, self.fields)

    def renderTile(self, tile, context):
        tid = tile.id()
        self.sink.setdefault(f"{tid.zoomLevel()}/{tid.column()}/{tid.row()}", {})[self.layer] = [
            {**{n: _plain(f.attribute(n)) for n in f.fields().names()}, "_wkt": f.geometry().asWkt(1)}
            for f in tile.layerFeatures(self.layer)
        ]


def _plain(value):
    """QVariant NULL as None."""
    if value is None or (hasattr(value, "isNull") and value.isNull()):
        return None
    return value


def tile_extent(z, x, y, shrink=0.1):
    """The tile's extent in EPSG:3857, shrunk so that QGIS asks for this tile only."""
    size = 2 * ORIGIN / 2**z
    minx = -ORIGIN + x * size
    maxy = ORIGIN - y * size
    pad = size * shrink
    return QgsRectangle(minx + pad, maxy - size + pad, minx + size - pad, maxy - pad)


def main():
    template, z, x, y = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    layer_name, fields = sys.argv[5], sys.argv[6].split(",")
    app = QgsApplication([], False)
    app.initQgis()
    try:
        uri = QgsDataSourceUri()
        uri.setParam("type", "xyz")
        uri.setParam("url", template)
        # Only zoom z exists for this layer, so QGIS requests tile z/x/y whatever the map scale.
        uri.setParam("zmin", str(z))
        uri.setParam("zmax", str(z))
        layer = QgsVectorTileLayer(bytes(uri.encodedUri()).decode(), "server tiles")
        out = {"valid": layer.isValid(), "errors": [], "tiles": {}}
        if layer.isValid():
            layer.setRenderer(RecordingRenderer(out["tiles"], layer_name, fields))
            settings = QgsMapSettings()
            settings.setLayers([layer])
            settings.setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:3857"))
            settings.setExtent(tile_extent(z, x, y))
            settings.setOutputSize(QSize(256, 256))
            job = QgsMapRendererSequentialJob(settings)
            job.start()
            job.waitForFinished()
            out["errors"] = [e.message for e in job.errors()]
        print(json.dumps(out, ensure_ascii=False, default=str))
    finally:
        app.exitQgis()


if __name__ == "__main__":
    main()
