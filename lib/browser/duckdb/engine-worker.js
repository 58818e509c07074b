/*
 * The query page's DuckDB workers: duckdb-wasm's own worker script (duckdb-browser-eh.worker.js),
 * loaded by this one so that the engine's wasm is compiled while that script loads, not after
 * (by this worker, or by a second one in the `compiler` role).
 * Left to itself, the worker fetches the wasm only once its 0.8 MB script is parsed and its
 * INSTANTIATE request handled (about 1 s on 2 loaded cores), and streams it to the compiler through
 * a JavaScript TransformStream that only counts bytes (0.3 s of this thread; the page shows no
 * progress).
 *
 * Contract: started as `new Worker(url, { name })` with `name` the JSON
 * `{ role, worker, wasm, moduleMessage }`: `worker` and `wasm` the paths of duckdb-wasm's worker
 * script and wasm (a worker's name, not its address: the address stays the build's immutable
 * asset), `role` one of
 * - `compiler`: compiles the wasm, posts `{ type: moduleMessage, module }` (module null when it
 *   could not) and does nothing else;
 * - `engine-awaiting-module`: duckdb-wasm's worker, instantiating the module of the first
 *   `{ type: moduleMessage, module }` it is sent (null: it compiles the wasm itself);
 * - `engine`: duckdb-wasm's worker, instantiating the wasm it compiles at once.
 *
 * Plain JavaScript, not bundled: the build copies it as an asset beside duckdb-wasm's worker.
 */
const { role, worker, wasm, moduleMessage } = JSON.parse(self.name);

const wasmUrl = new URL(wasm, location.href).href;
const fetchFromNetwork = self.fetch.bind(self);
const compile = () => WebAssembly.compileStreaming(fetchFromNetwork(wasmUrl, { credentials: 'same-origin' }));

if (role === 'compiler') {
  compile().then(
    (module) => postMessage({ type: moduleMessage, module }),
    () => postMessage({ type: moduleMessage, module: null }),
  );
} else {
  const compiled =
    role === 'engine-awaiting-module'
      ? new Promise((resolve) => {
          // Registered before duckdb-wasm's handler, which must not see this message.
          self.addEventListener('message', function onModule(event) {
            if (event.data?.type !== moduleMessage) return;
            event.stopImmediatePropagation();
            self.removeEventListener('message', onModule);
            resolve(event.data.module ?? compile());
          });
        })
      : compile();
  compiled.catch(() => undefined); // reported by the instantiation that awaits it

  // duckdb-wasm fetches the wasm again as it instantiates, only to count the bytes on their way to
  // the compiler: answered here with nothing (a second 6 MB download otherwise), and the module
  // compiled above is instantiated instead.
  self.fetch = (input, init) => (new Request(input, init).url === wasmUrl ? Promise.resolve(new Response(null)) : fetchFromNetwork(input, init));
  WebAssembly.instantiateStreaming = async (_source, imports) => {
    const module = await compiled;
    return { module, instance: await WebAssembly.instantiate(module, imports) };
  };

  importScripts(worker);
}
