#!/usr/bin/env bash
# Run the shared peerbench against quilltap-tui (and the peers whose venvs exist) from a writable copy.
#   bench/peers/run.sh [text|tool|both|start|start-images] [extra tuibench options...]
# start: start to usable (quilltap-start.toml, 7 launches) interleaved with llm chat, into results/start-quilltap.
# start-images: the same with a previews-on copy of the spec beside it, into results/start-images-quilltap.
# Needs: tmux, /work/shared/peerbench, this checkout's .venv; PyPI for the first setup of the copy.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
pb=${PEERBENCH:-/tmp/peerbench}
scenario=${1:-both}; shift || true
if [ ! -d "$pb" ]; then
  cp -r /work/shared/peerbench "$pb" && chmod -R u+w "$pb"
fi
[ -x "$pb/venvs/server/bin/python" ] || { python3 -m venv "$pb/venvs/server" && "$pb/venvs/server/bin/pip" install -q aiohttp pillow; }
# The specs name /work/main's venv; run this checkout's instead (its .venv, made by make install-dev).
venv=$(cd "$here/../.." && pwd)/.venv
for spec in quilltap quilltap-start; do
  sed "s#/work/main/.venv#$venv#g" "$here/$spec.toml" > "$pb/specs/$spec.toml"
done
cd "$pb"
peers=()
for p in oterm elia llm sgpt; do [ -x "venvs/$p/bin/python" ] && peers+=("specs/$p.toml"); done
if [ "$scenario" = text ] || [ "$scenario" = both ]; then
  python3 tuibench.py run specs/quilltap.toml "${peers[@]}" --reps 5 --sizes 500,4000 --reply-timeout 200 \
    --out results/text-quilltap "$@"
fi
if [ "$scenario" = start ] || [ "$scenario" = start-images ]; then
  start_peers=()
  [ -x "venvs/llm/bin/python" ] && start_peers+=("specs/llm.toml")
  ours=(specs/quilltap-start.toml)
  if [ "$scenario" = start-images ]; then
    # The same launches with image previews on (QUILLTAP_IMAGES unset: auto, as users run it; the harness
    # drops an empty variable), interleaved with previews off: the terminal probe's cost at start-up.
    sed 's#^name = .*#name = "quilltap-start-images"#; s#^QUILLTAP_IMAGES = "off"#QUILLTAP_IMAGES = ""#' \
      specs/quilltap-start.toml > specs/quilltap-start-images.toml
    ours+=(specs/quilltap-start-images.toml)
  fi
  python3 tuibench.py run "${ours[@]}" "${start_peers[@]}" --reps 7 --sizes 60 --reply-timeout 60 \
    --out "results/$scenario-quilltap" "$@"
fi
if [ "$scenario" = tool ] || [ "$scenario" = both ]; then
  tool_peers=()
  # oterm is left out: its generate_image(prompt, model) would reject the pinned "size" argument
  for p in llm sgpt; do [ -x "venvs/$p/bin/python" ] && tool_peers+=("specs/$p.toml"); done
  # The fake derives the tool arguments from the tool's schema, and our schema lists dall-e-2's sizes
  # (256x256 first); pin the 512x512 the peers' tools ask for so every app fetches the same image.
  FAKELLM_TOOL_ARGS='{"prompt": "a red fox sitting in fresh snow at dawn, watercolor", "size": "512x512"}' \
    python3 tuibench.py run specs/quilltap.toml "${tool_peers[@]}" --scenario tool --reps 5 --sizes 60 \
    --reply-timeout 60 --out results/tool-quilltap "$@"
fi
