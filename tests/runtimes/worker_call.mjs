// One call to the proxy's Worker in miniflare, as a page on its origin makes it: a JSON or form
// body, the session cookie when given; the answer's status, JSON body, Set-Cookie and the cookie
// it sets.
const origin = "http://localhost";

export async function workerCall(mf, method, path, { json, form, cookie } = {}) {
  const headers = { origin };
  let body;
  if (json) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(json);
  } else if (form) {
    headers["content-type"] = "application/x-www-form-urlencoded";
    body = new URLSearchParams(form).toString();
  }
  if (cookie) headers.cookie = cookie;
  const res = await mf.dispatchFetch(`${origin}${path}`, { method, headers, body });
  const setCookie = res.headers.get("set-cookie");
  const cookieSet = setCookie?.split(";")[0];
  return { status: res.status, body: await res.json(), setCookie, cookie: cookieSet };
}
