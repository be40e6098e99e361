{
  "targets": [
    {
      "target_name": "ec_mul",
      "sources": ["ec_mul.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Werror", "-fvisibility=hidden"],
      "ldflags": ["-Wl,-z,now"]
    }
  ]
}
