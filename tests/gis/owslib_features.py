"""Reads our OGC API - Features with OWSLib and prints what it saw as JSON.

Usage: /usr/bin/python3 owslib_features.py ROOT_URL TOKEN COLLECTION [COLLECTION ...]
For each collection: numberMatched of the first page, and the ids of every feature read page by page (OWSLib's
collection_items passes limit and offset as query parameters).
"""
import json
import sys

from owslib.ogcapi.features import Features


def main() -> None:
    root, token, *names = sys.argv[1:]
    api = Features(root, headers={'Authorization': f'Bearer {token}'})
    out = {
        'conformance': api.conformance()['conformsTo'],
        'collections': [c['id'] for c in api.collections()['collections']],
        'items': {},
    }
    for name in names:
        ids, matched, offset = [], None, 0
        while True:
            page = api.collection_items(name, limit=100, offset=offset)
            matched = page['numberMatched'] if matched is None else matched
            ids += [f['id'] for f in page['features']]
            offset += page['numberReturned']
            if page['numberReturned'] == 0 or not any(link['rel'] == 'next' for link in page['links']):
                break
        out['items'][name] = {
            'numberMatched': matched,
            'ids': ids,
            'title': api.collection(name)['title'],
        }
    print(json.dumps(out, ensure_ascii=False))


if __name__ == '__main__':
    main()
