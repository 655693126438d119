# Sourced: what this CPU can run. llama.cpp (the host's own build and the portable
# llama-server) is compiled for x86-64 with SSE4.2, AVX, AVX2, BMI2, FMA and F16C.

# Prints the features of that set this CPU lacks and returns 1; returns 0 when it has all.
llama_cpu_missing() {
  [ "$(uname -m)" = x86_64 ] || return 0
  local flags missing=() f
  flags=" $(grep -m1 '^flags' /proc/cpuinfo | cut -d: -f2) "
  for f in sse4_2 avx avx2 bmi2 fma f16c; do
    case "$flags" in *" $f "*) ;; *) missing+=("$f") ;; esac
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "${missing[*]}"
  return 1
}
