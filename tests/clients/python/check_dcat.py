"""Reads the open register's dcat.json with PyLD, a JSON-LD processor
independent of the product, and checks it is DCAT-AP as JSON-LD: every key
expands to a full IRI (nothing dropped for want of a namespace), the dataset
has its title in Indonesian, its region as dct:spatial, and distributions with
download URLs. Prints the expanded document's summary; exits non-zero on any
failure."""

import json
import sys

from pyld import jsonld

DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
SKOS = "http://www.w3.org/2004/02/skos/core#"


def keys(node, out):
    if isinstance(node, dict):
        for key, value in node.items():
            out.add(key)
            keys(value, out)
    elif isinstance(node, list):
        for value in node:
            keys(value, out)


def main(path, base):
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    expanded = jsonld.expand(doc, {"base": base})
    assert len(expanded) == 1, expanded
    dataset = expanded[0]
    assert DCAT + "Dataset" in dataset["@type"], dataset["@type"]
    # Every key of the source is a declared term: none was dropped.
    source_keys, expanded_keys = set(), set()
    keys({k: v for k, v in doc.items() if k != "@context"}, source_keys)
    keys(expanded, expanded_keys)
    for key in source_keys:
        if key.startswith("@"):
            continue
        prefix, _, local = key.partition(":")
        iri = doc["@context"][prefix] + local
        assert iri in expanded_keys, f"{key} was dropped by expansion"
    titles = {t.get("@language"): t["@value"] for t in dataset[DCT + "title"]}
    assert "id" in titles and "en" in titles, titles
    spatial = dataset[DCT + "spatial"][0]
    label = spatial[SKOS + "prefLabel"][0]["@value"]
    code = spatial[DCT + "identifier"][0]["@value"]
    distributions = dataset[DCAT + "distribution"]
    urls = [d[DCAT + "downloadURL"][0]["@id"] for d in distributions]
    assert len(urls) == 3 and all(u.startswith("http") for u in urls), urls
    print(json.dumps({"title": titles["id"], "spatial": [code, label], "urls": urls}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
