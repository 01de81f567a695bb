import Zoo
print("zoo-bench")
