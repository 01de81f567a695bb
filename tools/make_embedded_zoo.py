#!/usr/bin/python3
"""Write the weights of the embedded default zoo's demo model (zoo/README.md) as safetensors.

    /usr/bin/python3 tools/make_embedded_zoo.py OUT.safetensors

resnet10t with 10 classes as timm initializes it under torch.manual_seed(0), every float tensor
rounded to 15 levels (4-bit, symmetric, one scale per tensor) and stored as float16, so the .zoo
that `zoo publish --compress` makes from it is about 3 MB. Untrained: the point is a real,
loadable checkpoint the project made itself, not predictions. Deterministic: same torch and
timm, same bytes (tools/make_embedded_zoo.sh checks the published sha256 against zoo/index.json).
"""
import sys

import torch
import timm
from safetensors.torch import save_file


def quantize(tensor: torch.Tensor, levels: int = 7) -> torch.Tensor:
    scale = tensor.abs().max() / levels
    return tensor if scale == 0 else torch.round(tensor / scale) * scale


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    torch.manual_seed(0)
    model = timm.create_model("resnet10t", num_classes=10).eval()
    state = {}
    for key, tensor in model.state_dict().items():
        state[key] = quantize(tensor).to(torch.float16).contiguous() if tensor.is_floating_point() else tensor.contiguous()
    save_file(state, sys.argv[1], metadata={"made_by": "tools/make_embedded_zoo.py", "torch": torch.__version__, "timm": timm.__version__})


if __name__ == "__main__":
    main()
