#!/usr/bin/env python3
"""Fine-tuning recipe parity: timm's resnet10t trained 3 epochs by plain PyTorch.

The recipe of issue 12's first "Done when": same initial weights (random, seeded, saved as a .pth),
same data order (written into the fixture), no augmentation (timm's eval transform at 64 px on
examples/photos), cross-entropy, SGD with momentum and weight decay, linear warmup then cosine
annealing stepped per epoch, 3 epochs. Records each epoch's learning rate and mean batch loss, and
the final validation loss and top-1, for Tests/ZooTests/FineTuneParityTests.swift.

The same recipe is run a second time in the data order `zoo finetune --seed CLI_SEED` takes (the
"cli" entry, for Tests/ZooCLITests/FinetuneParityCommandTests.swift): zoo's loader shuffles with its
own documented permutation (docs/data.md, "Data order"), reproduced here by `zoo_order`, so the
command runs as a user would run it, with no order handed to it.

Writes into OUT_DIR (default $ZOO_PARITY_DIR, else .cache/parity):
  finetune_recipe.json        the recipe, the order, the reference figures
  finetune_recipe.pth         the initial state_dict
  finetune_recipe_train.npy   float32 [N,3,64,64] train inputs;  _val.npy the validation ones
"""
import copy
import json
import os

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from parity_common import is_current, parse_arguments

VERSION = 3
SIZE = 64
EPOCHS = 3
WARMUP = 1
WARMUP_START_FACTOR = 1.0 / 3.0
BATCH = 16
CLI_SEED = 7
LR = 0.05
MOMENTUM = 0.9
WEIGHT_DECAY = 1e-4


MASK = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15


def zoo_generator(seed, *stream):
    """zoo's `RandomGenerator(seed:stream:)`: the (seed, stream...) tuple hashed into one 64-bit
    seed, SplitMix64 filling xoshiro256**'s state; yields the generator's 64-bit outputs."""
    h = (seed + GOLDEN) & MASK
    for s in stream:
        h ^= (s + GOLDEN + ((h << 6) & MASK) + (h >> 2)) & MASK
        h = ((h ^ (h >> 31)) * 0xBF58476D1CE4E5B9) & MASK
    x, state = h, []
    for _ in range(4):
        x = (x + GOLDEN) & MASK
        z = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        state.append(z ^ (z >> 31))
    s0, s1, s2, s3 = state
    while True:
        t5 = (s1 * 5) & MASK
        yield (((t5 << 7) | (t5 >> 57)) & MASK) * 9 & MASK
        t = (s1 << 17) & MASK
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = ((s3 << 45) | (s3 >> 19)) & MASK


def zoo_below(generator, bound):
    """An integer in [0, bound): Lemire's multiply-high with rejection, as zoo's `randint`."""
    m = next(generator) * bound
    if (m & MASK) < bound:
        threshold = ((1 << 64) - bound) % bound
        while (m & MASK) < threshold:
            m = next(generator) * bound
    return m >> 64


def zoo_order(seed, epoch, n):
    """The sample order of epoch `epoch` (0-based) of zoo's shuffled `DataLoader`: Fisher-Yates
    from the end, swapping i with an integer in [0, i], drawn from the generator of
    (seed, 0x53485546 "SHUF", epoch)."""
    generator, order = zoo_generator(seed, 0x53485546, epoch), list(range(n))
    for i in range(n - 1, 0, -1):
        j = zoo_below(generator, i + 1)
        order[i], order[j] = order[j], order[i]
    return order


def train(model, order, train_x, train_y):
    """The recipe on `model` in `order`: each epoch's lr, mean batch loss and batch losses."""
    optimizer = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM, weight_decay=WEIGHT_DECAY)
    scheduler = torch.optim.lr_scheduler.SequentialLR(
        optimizer,
        [torch.optim.lr_scheduler.LinearLR(optimizer, start_factor=WARMUP_START_FACTOR, total_iters=WARMUP),
         torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=EPOCHS - WARMUP)],
        milestones=[WARMUP])
    labels = torch.tensor(train_y)
    epochs = []
    for epoch in range(EPOCHS):
        model.train()
        lr = optimizer.param_groups[0]["lr"]
        losses = []
        for start in range(0, len(train_y), BATCH):
            index = torch.tensor(order[epoch][start:start + BATCH])
            loss = F.cross_entropy(model(train_x[index]), labels[index])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        scheduler.step()
        epochs.append({"epoch": epoch + 1, "lr": lr, "train_loss": sum(losses) / len(losses), "batch_losses": losses})
    return epochs


def validate(model, val_x, val_y):
    """Validation loss, correct count and top-1 of `model` in eval mode."""
    model.eval()
    with torch.no_grad():
        logits = model(val_x)
    labels = torch.tensor(val_y)
    correct = int((logits.argmax(1) == labels).sum())
    return {"val_loss": float(F.cross_entropy(logits, labels)), "val_correct": correct, "val_top1": correct / len(val_y)}


def load_folder(root, transform):
    classes = sorted(d for d in os.listdir(root) if os.path.isdir(os.path.join(root, d)))
    inputs, labels = [], []
    for label, name in enumerate(classes):
        folder = os.path.join(root, name)
        for file in sorted(os.listdir(folder)):
            with Image.open(os.path.join(folder, file)) as image:
                inputs.append(transform(image.convert("RGB")))
            labels.append(label)
    return classes, torch.stack(inputs), labels


def main():
    args = parse_arguments(__doc__)
    out = os.path.join(args.out_dir, "finetune_recipe.json")
    if not args.force and is_current(out, VERSION):
        print(f"{out} is current")
        return
    import timm
    from timm.data import create_transform, resolve_data_config

    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    photos = os.path.join(repo, "examples", "photos")
    torch.manual_seed(0)
    model = timm.create_model("resnet10t", pretrained=False, num_classes=3)
    data_config = resolve_data_config({"input_size": (3, SIZE, SIZE)}, model=model)
    transform = create_transform(**data_config, is_training=False)
    classes, train_x, train_y = load_folder(os.path.join(photos, "train"), transform)
    _, val_x, val_y = load_folder(os.path.join(photos, "val"), transform)
    torch.save(model.state_dict(), os.path.join(args.out_dir, "finetune_recipe.pth"))
    np.save(os.path.join(args.out_dir, "finetune_recipe_train.npy"), train_x.numpy().astype(np.float32))
    np.save(os.path.join(args.out_dir, "finetune_recipe_val.npy"), val_x.numpy().astype(np.float32))

    initial = copy.deepcopy(model.state_dict())
    generator = torch.Generator().manual_seed(1)
    order = [torch.randperm(len(train_y), generator=generator).tolist() for _ in range(EPOCHS)]
    epochs = train(model, order, train_x, train_y)
    result = validate(model, val_x, val_y)

    # The same recipe from the same weights in `zoo finetune --seed CLI_SEED`'s own order.
    model.load_state_dict(initial)
    cli_order = [zoo_order(CLI_SEED, epoch, len(train_y)) for epoch in range(EPOCHS)]
    cli = {"seed": CLI_SEED, "order": cli_order, "history": train(model, cli_order, train_x, train_y)}
    cli.update(validate(model, val_x, val_y))
    with open(out, "w") as f:
        json.dump({
            "fixture_version": VERSION, "architecture": "resnet10t", "classes": classes, "input_size": SIZE,
            "batch_size": BATCH, "lr": LR, "momentum": MOMENTUM, "weight_decay": WEIGHT_DECAY,
            "warmup_epochs": WARMUP, "warmup_start_factor": WARMUP_START_FACTOR, "epochs": EPOCHS,
            "train_labels": train_y, "val_labels": val_y, "order": order, "history": epochs, **result,
            "cli": cli,
        }, f, indent=1)
    correct = result["val_correct"]
    print(f"wrote {out}: {epochs}, val top-1 {correct}/{len(val_y)}")


if __name__ == "__main__":
    main()
