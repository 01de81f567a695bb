#!/usr/bin/python3
"""Sharded checkpoints as the Hugging Face Hub holds them (issue 15, item 3), next to the same
weights in one file.

  sharded/model.safetensors                       resnet18 with random weights, one file
  sharded/model-0000K-of-00003.safetensors        the same tensors split in three shards (K = 1..3)
  sharded/model.safetensors.index.json            {"metadata": {"total_size"}, "weight_map": {key: shard}}
  sharded/pytorch_model-0000K-of-00003.bin        the same split as torch.save files
  sharded/pytorch_model.bin.index.json
  sharded.json                                    fixture version, versions, shard names (written last)

The split follows the Hub's convention (transformers' `save_pretrained(max_shard_size=...)`,
huggingface_hub's `split_torch_state_dict_into_shards`): keys in state-dict order, a new shard
when the next tensor would pass the shard size, which here is a third of the total.

Usage: /usr/bin/python3 tools/parity/make_sharded_fixtures.py [OUT_DIR] [--force]
"""
import json
import os

import timm
import torch
from safetensors.torch import save_file

from parity_common import is_current, parse_arguments

FIXTURE_VERSION = 1
SHARDS = 3


def split(state):
    total = sum(t.numel() * t.element_size() for t in state.values())
    limit = (total + SHARDS - 1) // SHARDS
    shards, current, size = [], {}, 0
    for key, tensor in state.items():
        nbytes = tensor.numel() * tensor.element_size()
        if current and size + nbytes > limit and len(shards) < SHARDS - 1:
            shards.append(current)
            current, size = {}, 0
        current[key] = tensor
        size += nbytes
    shards.append(current)
    return shards, total


def write_index(path, total, names, shards):
    weight_map = {key: name for name, shard in zip(names, shards) for key in shard}
    with open(path + ".tmp", "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2)
    os.replace(path + ".tmp", path)


def main():
    args = parse_arguments(__doc__)
    stamp = os.path.join(args.out_dir, "sharded.json")
    if not args.force and is_current(stamp, FIXTURE_VERSION):
        return
    folder = os.path.join(args.out_dir, "sharded")
    os.makedirs(folder, exist_ok=True)
    torch.manual_seed(0)
    model = timm.create_model("resnet18", pretrained=False)
    with torch.no_grad():
        for name, buffer in model.named_buffers():
            if name.endswith("running_var"):
                buffer.uniform_(0.5, 1.5)
            elif name.endswith("running_mean"):
                buffer.normal_()
    state = {k: v.contiguous() for k, v in model.state_dict().items()}
    save_file(state, os.path.join(folder, "model.safetensors"))
    shards, total = split(state)
    safetensors_names = [f"model-{k:05d}-of-{SHARDS:05d}.safetensors" for k in range(1, SHARDS + 1)]
    bin_names = [f"pytorch_model-{k:05d}-of-{SHARDS:05d}.bin" for k in range(1, SHARDS + 1)]
    for shard, st_name, bin_name in zip(shards, safetensors_names, bin_names):
        save_file(shard, os.path.join(folder, st_name), metadata={"format": "pt"})
        torch.save(shard, os.path.join(folder, bin_name))
    write_index(os.path.join(folder, "model.safetensors.index.json"), total, safetensors_names, shards)
    write_index(os.path.join(folder, "pytorch_model.bin.index.json"), total, bin_names, shards)
    with open(stamp, "w") as f:
        json.dump({"fixture_version": FIXTURE_VERSION, "timm": timm.__version__, "torch": torch.__version__,
                   "tensors": len(state), "total_size": total, "shards": safetensors_names,
                   "shard_tensors": [len(s) for s in shards]}, f, indent=1)
    print(f"sharded: resnet18, {len(state)} tensors, {total} bytes in {SHARDS} shards")


if __name__ == "__main__":
    main()
