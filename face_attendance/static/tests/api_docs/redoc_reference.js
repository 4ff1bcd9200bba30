/* Run by TestApiDocsTour (HttpCase.browser_js) on /api/v1/redoc: ReDoc renders this server's
 * document with its styles (which the page's policy allows by nonce only), a compatibility path at
 * its own server. */
(async function () {
    "use strict";
    const title = await waitFor(() => document.querySelector(".api-content h1"), "the title");
    check(title.textContent.includes("Face Attendance API"), `title: ${title.textContent}`);
    // styled-components' sheet carries the nonce and is applied: a method's badge has its colour.
    const sheet = document.querySelector("style[data-styled]");
    check(sheet && sheet.nonce, "ReDoc's styles carry no nonce");
    const verb = await waitFor(() => document.querySelector(".http-verb.get"), "a GET badge");
    check(getComputedStyle(verb).backgroundColor !== "rgba(0, 0, 0, 0)", "ReDoc's styles are not applied");
    // The compatibility list, shown at the host's root.
    const compat = [...document.querySelectorAll("[role=button] div")].find(
        (div) => div.textContent === `${location.origin}/api/persons`
    );
    check(compat, "GET /api/persons is not shown at the host's root");
    console.log("test successful");
})().catch((error) => console.error(`API reference: ${error.message}`));
