// Loads the options page's logic (wasm, src/options.rs).
import init, { options_main } from "../wasm/glossa_extension.js";

init({ module_or_path: new URL("../wasm/glossa_extension_bg.wasm", import.meta.url) }).then(options_main);
