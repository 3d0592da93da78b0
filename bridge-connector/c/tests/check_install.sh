#!/usr/bin/env bash
# Installs the library into a fresh prefix as API.md says (cmake --install) and builds simulations
# against it the two ways users do: find_package(DeisaBridge) in CMake, and pkg-config with mpicc.
# Usage: check_install.sh <build dir of bridge-connector/c> <scratch dir>
set -euo pipefail
build=$1
scratch=$2
rm -rf "$scratch"
prefix=$scratch/prefix
cmake --install "$build" --prefix "$prefix" >/dev/null
for file in include/deisa_bridge.h include/deisa_bridge.mod lib/libdeisa_bridge.so \
            lib/cmake/DeisaBridge/DeisaBridgeConfig.cmake lib/cmake/DeisaBridge/DeisaBridgeConfigVersion.cmake \
            lib/pkgconfig/deisa-bridge.pc; do
  [[ -e $prefix/$file ]] || { echo "not installed: $prefix/$file"; exit 1; }
done
here=$(cd "$(dirname "$0")" && pwd)
cmake -S "$here/consumer" -B "$scratch/consumer" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$scratch/consumer" >/dev/null
# pkg-config: the flags a Makefile would use
flags=$(PKG_CONFIG_PATH=$prefix/lib/pkgconfig pkg-config --cflags --libs deisa-bridge)
mpicc "$here/consumer/consumer.c" $flags -Wl,-rpath,"$prefix/lib" -o "$scratch/consumer_pc"
mpirun --allow-run-as-root --oversubscribe --mca plm_rsh_agent false -np 1 "$scratch/consumer/consumer_c"
mpirun --allow-run-as-root --oversubscribe --mca plm_rsh_agent false -np 1 "$scratch/consumer_pc"
mpirun --allow-run-as-root --oversubscribe --mca plm_rsh_agent false -np 1 "$scratch/consumer/consumer_fortran"
echo "check_install: OK"
