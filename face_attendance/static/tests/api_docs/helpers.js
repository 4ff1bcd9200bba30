/* Shared by the API docs' browser checks (TestApiDocsTour prepends it to each script). */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
async function waitFor(find, what, timeout = 60000) {
    const end = Date.now() + timeout;
    for (;;) {
        const found = find();
        if (found) {
            return found;
        }
        if (Date.now() > end) {
            throw new Error(`Timed out waiting for ${what}`);
        }
        await sleep(100);
    }
}
function check(condition, message) {
    if (!condition) {
        throw new Error(message);
    }
}
