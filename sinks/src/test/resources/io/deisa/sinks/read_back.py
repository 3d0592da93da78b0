"""Independent read-back of deisa-flink results, run with Debian's /usr/bin/python3 by the tests.

    read_back.py hdf5  FILE DATASET     -- with h5py (python3-h5py)
    read_back.py zarr2 STORE COMPONENT  -- with zarr-python (python3-zarr)
    read_back.py zarr3 STORE COMPONENT  -- from the Zarr v3 specification: zarr.json and raw chunk
                                            bytes (no Zarr library involved)

Prints one JSON object: shape, dtype (NumPy name), sha256 of the array's little-endian bytes in C
order, the values when the array has at most 64 elements, and format-specific checks.
"""
import hashlib
import itertools
import json
import os
import sys

import numpy as np


def describe(values, extra):
    le = values.astype(values.dtype.newbyteorder("<"), copy=False)
    out = {
        "shape": list(values.shape),
        "dtype": values.dtype.name,
        "sha256": hashlib.sha256(np.ascontiguousarray(le).tobytes()).hexdigest(),
    }
    if values.size <= 64:
        out["values"] = values.ravel().tolist()
    out.update(extra)
    return out


def read_hdf5(path, name):
    import h5py

    with h5py.File(path, "r") as f:
        ds = f[name]
        missing = []
        sources = []
        if ds.is_virtual:
            base = os.path.dirname(os.path.abspath(path))
            for source in ds.virtual_sources():
                sources.append(source.file_name)
                if not os.path.isfile(os.path.join(base, source.file_name)):
                    missing.append(source.file_name)
        return describe(ds[()], {
            "virtual": bool(ds.is_virtual),
            "sources": sorted(sources),
            "missing_sources": missing,
        })


def read_zarr2(store, component):
    import zarr

    array = zarr.open_array(store=store, path=component, mode="r")
    return describe(array[...], {
        "chunks": list(array.chunks),
        "zarr_format": 2,
    })


V3_DTYPES = {
    "int8": "i1", "int16": "i2", "int32": "i4", "int64": "i8",
    "uint8": "u1", "uint16": "u2", "uint32": "u4", "uint64": "u8",
    "float32": "f4", "float64": "f8",
}


def read_zarr3(store, component):
    root = json.load(open(os.path.join(store, "zarr.json")))
    assert root["zarr_format"] == 3 and root["node_type"] == "group", root
    meta = json.load(open(os.path.join(store, component, "zarr.json")))
    assert meta["zarr_format"] == 3, meta
    assert meta["node_type"] == "array", meta
    assert meta["chunk_grid"]["name"] == "regular", meta
    chunk_shape = meta["chunk_grid"]["configuration"]["chunk_shape"]
    encoding = meta["chunk_key_encoding"]
    assert encoding["name"] == "default", encoding
    separator = encoding.get("configuration", {}).get("separator", "/")
    codecs = meta["codecs"]
    assert len(codecs) == 1 and codecs[0]["name"] == "bytes", codecs
    endian = codecs[0].get("configuration", {}).get("endian", "little")
    dtype = np.dtype(("<" if endian == "little" else ">") + V3_DTYPES[meta["data_type"]])
    shape = meta["shape"]
    grid = [s // c for s, c in zip(shape, chunk_shape)]
    assert all(g * c == s for g, c, s in zip(grid, chunk_shape, shape)), (shape, chunk_shape)
    values = np.full(shape, meta["fill_value"], dtype=dtype)
    missing = []
    for position in itertools.product(*(range(g) for g in grid)):
        key = separator.join(["c"] + [str(p) for p in position])
        path = os.path.join(store, component, *key.split("/"))
        if not os.path.isfile(path):
            missing.append(key)
            continue
        raw = open(path, "rb").read()
        chunk = np.frombuffer(raw, dtype=dtype)
        assert chunk.size == int(np.prod(chunk_shape)), (key, len(raw))
        index = tuple(slice(p * c, (p + 1) * c) for p, c in zip(position, chunk_shape))
        values[index] = chunk.reshape(chunk_shape)
    return describe(values, {
        "chunks": chunk_shape,
        "zarr_format": 3,
        "data_type": meta["data_type"],
        "fill_value": meta["fill_value"],
        "missing_chunks": missing,
    })


READERS = {"hdf5": read_hdf5, "zarr2": read_zarr2, "zarr3": read_zarr3}

if __name__ == "__main__":
    kind, path, name = sys.argv[1:4]
    print(json.dumps(READERS[kind](path, name)))
