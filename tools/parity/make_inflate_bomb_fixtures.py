#!/usr/bin/python3
"""A deflate bomb with an honest header, for the decompression limits (issue 15, item 2).

  inflate_bomb.pth
      `torch.save({"weight": torch.zeros(2**28)})` (one 1 GiB float32 entry of zeros), with every
      entry of the archive re-deflated at level 9: about 1 MB on disk, 1 GiB once inflated. Its
      sizes are all true, so only a limit on what a file may inflate to can refuse it.
  inflate_bomb.json
      fixture version, sizes, torch version (written last: marks completion)

Usage: /usr/bin/python3 tools/parity/make_inflate_bomb_fixtures.py [OUT_DIR] [--force]
"""
import json
import os
import time
import zipfile

import torch

from parity_common import is_current, parse_arguments

FIXTURE_VERSION = 1
ELEMENTS = 1 << 28  # float32: 1 GiB


def main():
    args = parse_arguments(__doc__)
    stamp = os.path.join(args.out_dir, "inflate_bomb.json")
    if not args.force and is_current(stamp, FIXTURE_VERSION):
        return
    start = time.time()
    # torch.save names the archive's folder after the file: save under the final name, elsewhere.
    os.makedirs(os.path.join(args.out_dir, "inflate_bomb.tmp"), exist_ok=True)
    plain = os.path.join(args.out_dir, "inflate_bomb.tmp", "inflate_bomb.pth")
    torch.save({"weight": torch.zeros(ELEMENTS)}, plain)
    target = os.path.join(args.out_dir, "inflate_bomb.pth")
    scratch = target + ".tmp"
    with zipfile.ZipFile(plain) as source, \
            zipfile.ZipFile(scratch, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as bomb:
        for info in source.infolist():
            with source.open(info) as entry, bomb.open(info.filename, "w", force_zip64=info.file_size > 1 << 31) as out:
                while chunk := entry.read(1 << 24):
                    out.write(chunk)
    os.remove(plain)
    os.rmdir(os.path.dirname(plain))
    os.replace(scratch, target)
    with open(stamp, "w") as f:
        json.dump({"fixture_version": FIXTURE_VERSION, "torch": torch.__version__,
                   "file_bytes": os.path.getsize(target), "inflated_bytes": ELEMENTS * 4}, f, indent=1)
    print(f"inflate_bomb.pth: {os.path.getsize(target)} bytes, {ELEMENTS * 4} inflated "
          f"({time.time() - start:.1f} s)")


if __name__ == "__main__":
    main()
