#!/usr/bin/env python3
"""Fine-tuning recipe parity: timm's resnet10t trained 3 epochs by plain PyTorch.

The recipe of issue 12's first "Done when": same initial weights (random, seeded, saved as a .pth),
same data order (written into the fixture), no augmentation (timm's eval transform at 64 px on
examples/photos), cross-entropy, SGD with momentum and weight decay, linear warmup then cosine
annealing stepped per epoch, 3 epochs. Records each epoch's learning rate and mean batch loss, and
the final validation loss and top-1, for Tests/ZooTests/FineTuneParityTests.swift.

Writes into OUT_DIR (default $ZOO_PARITY_DIR, else .cache/parity):
  finetune_recipe.json        the recipe, the order, the reference figures
  finetune_recipe.pth         the initial state_dict
  finetune_recipe_train.npy   float32 [N,3,64,64] train inputs;  _val.npy the validation ones
"""
import json
import os

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from parity_common import is_current, parse_arguments

VERSION = 2
SIZE = 64
EPOCHS = 3
WARMUP = 1
WARMUP_START_FACTOR = 1.0 / 3.0
BATCH = 16
LR = 0.05
MOMENTUM = 0.9
WEIGHT_DECAY = 1e-4


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

    generator = torch.Generator().manual_seed(1)
    order = [torch.randperm(len(train_y), generator=generator).tolist() for _ in range(EPOCHS)]
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
    model.eval()
    with torch.no_grad():
        logits = model(val_x)
    val_labels = torch.tensor(val_y)
    correct = int((logits.argmax(1) == val_labels).sum())
    with open(out, "w") as f:
        json.dump({
            "fixture_version": VERSION, "architecture": "resnet10t", "classes": classes, "input_size": SIZE,
            "batch_size": BATCH, "lr": LR, "momentum": MOMENTUM, "weight_decay": WEIGHT_DECAY,
            "warmup_epochs": WARMUP, "warmup_start_factor": WARMUP_START_FACTOR, "epochs": EPOCHS,
            "train_labels": train_y, "val_labels": val_y, "order": order, "history": epochs,
            "val_loss": float(F.cross_entropy(logits, val_labels)), "val_correct": correct,
            "val_top1": correct / len(val_y),
        }, f, indent=1)
    print(f"wrote {out}: {epochs}, val top-1 {correct}/{len(val_y)}")


if __name__ == "__main__":
    main()
