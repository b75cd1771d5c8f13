#!/usr/bin/env python3
"""Compares Sources/Datasets/MedMNISTCatalog.swift with the INFO dictionary of the medmnist package.

Usage: python3 scripts/check-medmnist-catalog.py [PATH/TO/medmnist/info.py]

Without a path, info.py is taken from an installed medmnist (`pip install medmnist`, or unpack the
wheel from `pip download --no-deps medmnist`); only info.py is executed, not the package, so torch
is not needed. Checks, for each of the 12 2D flags: task, channels, split sizes and class names in
label-index order. Exits 1 and lists the differences if there are any.
"""
import importlib.util
import os
import re
import sys

FLAGS = ["pathmnist", "chestmnist", "dermamnist", "octmnist", "pneumoniamnist", "retinamnist",
         "breastmnist", "bloodmnist", "tissuemnist", "organamnist", "organcmnist", "organsmnist"]
TASKS = {"multiClass": "multi-class", "multiLabelBinary": "multi-label, binary-class",
         "binary": "binary-class", "ordinalRegression": "ordinal-regression"}


def load_info(path):
    if path is None:
        spec = importlib.util.find_spec("medmnist")
        if spec is None or not spec.submodule_search_locations:
            sys.exit("medmnist is not installed; pass the path of medmnist/info.py")
        path = os.path.join(list(spec.submodule_search_locations)[0], "info.py")
    spec = importlib.util.spec_from_file_location("medmnist_info", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.INFO, getattr(module, "__version__", "?")


def parse_catalog(path):
    """The entries of the Swift table, one `MedMNISTDataset(...)` literal each."""
    source = open(path, encoding="utf-8").read()
    table = source.split("public static let all: [MedMNISTDataset] = [", 1)[1]
    entries = {}
    for block in table.split("MedMNISTDataset(")[1:]:
        flag = re.search(r"flag: \.(\w+)", block).group(1)
        entries[flag] = {
            "task": TASKS[re.search(r"task: \.(\w+)", block).group(1)],
            "n_channels": int(re.search(r"channels: (\d+)", block).group(1)),
            "n_samples": {key: int(re.search(key_swift + r": (\d+)", block).group(1))
                          for key, key_swift in [("train", "train"), ("val", "validation"), ("test", "test")]},
            "label": re.findall(r'^\s*"((?:[^"\\]|\\.)*)",$', block.split("classNames: [", 1)[1], re.M),
        }
    return entries


def main():
    info, version = load_info(sys.argv[1] if len(sys.argv) > 1 else None)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    catalog = parse_catalog(os.path.join(root, "Sources/Datasets/MedMNISTCatalog.swift"))
    problems = []
    if list(catalog) != FLAGS:
        problems.append("flags in the catalog: %s" % list(catalog))
    for flag in FLAGS:
        expected, actual = info[flag], catalog.get(flag)
        if actual is None:
            continue
        labels = [expected["label"][str(index)] for index in range(len(expected["label"]))]
        for key, want in [("task", expected["task"]), ("n_channels", expected["n_channels"]),
                          ("n_samples", expected["n_samples"]), ("label", labels)]:
            if actual[key] != want:
                problems.append("%s %s: catalog %r, INFO %r" % (flag, key, actual[key], want))
    if problems:
        print("MedMNISTCatalog.swift differs from medmnist %s INFO:" % version)
        print("\n".join("  " + problem for problem in problems))
        sys.exit(1)
    print("MedMNISTCatalog.swift matches medmnist %s INFO for %d flags" % (version, len(FLAGS)))


if __name__ == "__main__":
    main()
