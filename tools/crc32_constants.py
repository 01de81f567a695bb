#!/usr/bin/python3
"""Derives the folding constants of Sources/CCheckpointKernels/crc32.c and checks the scheme against zlib.

    /usr/bin/python3 tools/crc32_constants.py

CRC-32 as zip defines it is reflected: the first bit of the data (bit 0 of byte 0) is the highest
power of x. A 16-byte block loaded little-endian therefore holds its higher-degree half in the low
8 bytes. Folding a block X = H·x^64 + L forward by D bits replaces it with
H·(x^(D+64) mod P) + L·(x^D mod P), and since a carry-less multiply of reflected values yields the
product times x, the constants are x^(D+63) mod P and x^(D-1) mod P, bit-reversed into 64 bits.
The last folded block's CRC from a zero state is the CRC of everything. This script models exactly
that in Python integers and compares it with zlib.crc32 on random data before printing.
"""
import os
import random
import zlib

P = 0x104C11DB7  # x^32 + x^26 + ... + 1, bit d = coefficient of x^d
MASK64 = (1 << 64) - 1


def x_power_mod(n):
    remainder = 1
    for _ in range(n):
        remainder <<= 1
        if remainder >> 32:
            remainder ^= P
    return remainder


def reversed_bits(value, width):
    return int(format(value, f"0{width}b")[::-1], 2)


def carryless_multiply(a, b):
    product = 0
    for bit in range(64):
        if (b >> bit) & 1:
            product ^= a << bit
    return product


def constants(distance):
    """(low, high) qwords of the constant that folds a 128-bit block `distance` bits forward."""
    return reversed_bits(x_power_mod(distance + 63), 64), reversed_bits(x_power_mod(distance - 1), 64)


def fold(block, distance):
    low, high = constants(distance)
    return carryless_multiply(block & MASK64, low) ^ carryless_multiply(block >> 64, high)


def crc32_by_folding(data, crc=0):
    """zlib.crc32(data, crc) for len(data) a multiple of 16, computed as the C code does."""
    blocks = [int.from_bytes(data[i : i + 16], "little") for i in range(0, len(data), 16)]
    accumulator = blocks[0] ^ (~crc & 0xFFFFFFFF)
    for block in blocks[1:]:
        accumulator = fold(accumulator, 128) ^ block
    state = ~zlib.crc32(accumulator.to_bytes(16, "little"), 0xFFFFFFFF) & 0xFFFFFFFF
    return ~state & 0xFFFFFFFF


def main():
    generator = random.Random(0)
    for length in (16, 32, 48, 128, 1024):
        data, crc = os.urandom(length), generator.getrandbits(32)
        assert crc32_by_folding(data, crc) == zlib.crc32(data, crc), length
    # Eight 128-bit lanes at a time fold by 1024 bits: the same identity at another distance.
    data = os.urandom(256)
    lanes = [int.from_bytes(data[i : i + 16], "little") for i in range(0, 256, 16)]
    lanes[0] ^= 0xFFFFFFFF  # the initial state, entering the first 32 bits before any folding
    folded = [fold(lanes[i], 1024) ^ lanes[i + 8] for i in range(8)]
    folded_bytes = b"".join(lane.to_bytes(16, "little") for lane in folded)
    assert crc32_by_folding(folded_bytes, crc=0xFFFFFFFF) == zlib.crc32(data)
    for distance in (1024, 128):
        low, high = constants(distance)
        print(f"#define FOLD_{distance}_LOW 0x{low:016x}ULL\n#define FOLD_{distance}_HIGH 0x{high:016x}ULL")


if __name__ == "__main__":
    main()
