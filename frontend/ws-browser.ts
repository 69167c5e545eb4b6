// Stands in for the `ws` package that @jupyterlab/services requires only under Node: in the
// browser it uses the global WebSocket, so the bundle needs no Node code.
export default globalThis.WebSocket;
