// A CLI that tells the truth about its session: which token whoami uses and where it came from,
// exit codes, the saved logins (auth status), switching profiles, the token for a script; and
// deleting agents only with a clear idea of what goes.
import assert from "node:assert/strict";
import { urlKey } from "../src/cli/credentials.ts";
import { cliSession, PASSWORD, plain } from "./cli_process.ts";

Deno.test("whoami with a bad token from the environment asks the server and says so (at a terminal)", async () => {
  const { terminal, piped, registerAndLogin, emulator, cleanup } = await cliSession();
  try {
    await registerAndLogin("qq");
    const run = await terminal(["whoami"], { env: { CIRTUSAI_TOKEN: "bad" } });
    assert.equal(run.code, 1, run.screen);
    const screen = plain(run.screen);
    assert.doesNotMatch(screen, /Logged in as/, "not the saved profile's identity");
    assert.match(
      screen,
      new RegExp(`The server at ${emulator.url} refused the token from CIRTUSAI_TOKEN: `),
    );
    assert.match(screen, /Token: from CIRTUSAI_TOKEN, not the profile's saved login/);
    const json = await piped(["whoami", "--json"], { env: { CIRTUSAI_TOKEN: "bad" } });
    assert.equal(json.code, 1);
    const info = JSON.parse(json.stdout);
    assert.equal(info.logged_in, false);
    assert.equal(info.token_source, "environment");
    assert.equal(info.token_variable, "CIRTUSAI_TOKEN");
    assert.equal(info.username, null);
    assert.equal(info.credentials_file, null, "the profile's file is not where it comes from");
    // A flag token that works: accepted, and said to be the flag's.
    const token = JSON.parse((await piped(["auth", "token", "--json"])).stdout).access_token;
    const flag = await piped(["whoami", "--check", "--token", token]);
    assert.equal(flag.code, 0, flag.stderr);
    assert.match(flag.stdout, /^The token from --token works at /);
  } finally {
    await cleanup();
  }
});

Deno.test("whoami: the saved login and its expiry in words; --check is one line; exit 1 when logged out", async () => {
  const { piped, terminal, registerAndLogin, cleanup } = await cliSession();
  try {
    await registerAndLogin("wanda");
    const who = await terminal(["whoami"]);
    assert.equal(who.code, 0, who.screen);
    const screen = plain(who.screen);
    assert.match(screen, /^Logged in as wanda at http:\/\/\S+ \(profile default\)$/m);
    assert.match(screen, /^Token: saved in \S+credentials\.json, expires in (29|30) min$/m);
    assert.match(screen, /^API URL from: environment \(CIRTUSAI_API_URL\)$/m);
    const check = await piped(["whoami", "--check"]);
    assert.equal(check.code, 0);
    assert.match(
      check.stdout,
      /^Logged in as wanda at \S+ \(profile default\); the server accepts the token\n$/,
    );
    await piped(["logout"]);
    const out = await piped(["whoami"]);
    assert.equal(out.code, 1, "as gh: exit 1 when not logged in");
    const outCheck = await piped(["whoami", "--check"]);
    assert.equal(outCheck.code, 1);
    assert.match(
      outCheck.stdout,
      /^Not logged in at \S+ \(profile default\): run cirtusai login\n$/,
    );
    assert.equal(outCheck.stderr, "", "no raw 401");
  } finally {
    await cleanup();
  }
});

Deno.test("auth status lists the saved logins; auth switch changes the profile commands use", async () => {
  const { piped, terminal, emulator, config, cleanup } = await cliSession();
  try {
    for (const [name, profile] of [["ann", "default"], ["ben", "work"]]) {
      const reg = await piped(
        ["auth", "register", name, `${name}@example.com`, "--password-stdin", "--json"],
        { stdin: `${PASSWORD}\n` },
      );
      const login = await piped(["login", name, "--password-stdin", "--profile", profile], {
        stdin: `${PASSWORD}\n`,
        env: { CIRTUSAI_TOTP_SECRET: JSON.parse(reg.stdout).secret },
      });
      assert.equal(login.code, 0, login.stderr);
    }
    const listed = await terminal(["auth", "status"]);
    assert.equal(listed.code, 0, listed.screen);
    const screen = plain(listed.screen);
    assert.match(screen, /^\* default: ann at \S+, expires in \d+ min \(active\)$/m);
    assert.match(screen, /^ {2}work: ben at \S+, expires in \d+ min$/m);
    assert.match(screen, /^Logged in as ann .*the server accepts the token$/m);

    const switched = await piped(["auth", "switch", "work"]);
    assert.equal(switched.code, 0, switched.stderr);
    assert.match(switched.stdout, /^Commands now use profile work \(ben at /);
    const who = JSON.parse((await piped(["whoami", "--json"])).stdout);
    assert.equal(who.profile, "work");
    assert.equal(who.profile_from, "credentials file");
    assert.equal(who.username, "ben");
    // --profile and CIRTUSAI_PROFILE still win.
    assert.equal(
      JSON.parse((await piped(["whoami", "--json", "--profile", "default"])).stdout)
        .username,
      "ann",
    );
    const none = await piped(["auth", "switch", "nobody"]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /profile 'nobody' has no saved login; log in to it first/);
    const file = JSON.parse(await Deno.readTextFile(`${config}/cirtusai/credentials.json`));
    assert.equal(file.current_profile, "work");
    assert.ok(file.profiles.work[urlKey(emulator.url)].access_token);
  } finally {
    await cleanup();
  }
});

Deno.test("auth token prints the access token for a script, refreshed first when it is about to expire", async () => {
  const { piped, registerAndLogin, emulator, config, cleanup } = await cliSession();
  try {
    await registerAndLogin("tok");
    const file = `${config}/cirtusai/credentials.json`;
    const read = () =>
      JSON.parse(Deno.readTextFileSync(file)).profiles.default[urlKey(emulator.url)];
    const printed = await piped(["auth", "token"]);
    assert.equal(printed.code, 0);
    assert.equal(printed.stdout, `${read().access_token}\n`, "the token alone");
    // About to expire: refreshed, and the new one saved and printed.
    const saved = JSON.parse(Deno.readTextFileSync(file));
    saved.profiles.default[urlKey(emulator.url)].expires_at = Date.now() + 10_000;
    Deno.writeTextFileSync(file, JSON.stringify(saved));
    const old = read().access_token;
    const fresh = await piped(["auth", "token"]);
    assert.equal(fresh.code, 0, fresh.stderr);
    assert.notEqual(fresh.stdout.trim(), old);
    assert.equal(fresh.stdout.trim(), read().access_token);
    const works = await fetch(`${emulator.url}/agents`, {
      headers: { authorization: `Bearer ${fresh.stdout.trim()}` },
    });
    assert.equal(works.status, 200);
    await works.body?.cancel();
    await piped(["logout"]);
    const out = await piped(["auth", "token"]);
    assert.equal(out.code, 1);
    assert.match(out.stderr, /^error: not logged in at /);
  } finally {
    await cleanup();
  }
});

Deno.test("agents delete says what goes with an agent; the master agent needs a yes (or --yes)", async () => {
  const { piped, terminal, registerAndLogin, cleanup } = await cliSession();
  try {
    await registerAndLogin("del");
    const [master] = JSON.parse((await piped(["agents", "list"])).stdout);
    const child = JSON.parse((await piped(["agents", "create-child", master.id, "kid"])).stdout);
    const grandchild = JSON.parse(
      (await piped(["agents", "create-child", child.id, "grandkid"])).stdout,
    );
    await piped(["agents", "provision-email", grandchild.id]);
    await piped(["agents", "provision-wallet", child.id]);

    // Piped, without --yes: refused, nothing deleted.
    const refused = await piped(["agents", "delete", master.id]);
    assert.equal(refused.code, 2);
    assert.match(
      refused.stderr,
      /refusing to delete the master agent del's agent \(\S+\), with its 2 child agents and 2 assets without --yes\. Nothing recreates a master agent/,
    );
    // At a terminal: asked first, with the count; "no" deletes nothing.
    const no = await terminal(["agents", "delete", master.id], {
      answers: [["Delete it? [y/N] ", "n\r"]],
    });
    assert.equal(no.code, 1, no.screen);
    assert.match(
      plain(no.screen),
      /This deletes the master agent del's agent \(\S+\), with its 2 child agents and 2 assets\./,
    );
    assert.match(no.screen, /Nothing was deleted\./);
    assert.equal(JSON.parse((await piped(["agents", "list"])).stdout).length, 1);

    // A child with its own child and assets: deleted, and the message says what went.
    const gone = await piped(["agents", "delete", child.id]);
    assert.equal(gone.code, 0, gone.stderr);
    assert.equal(
      gone.stdout.trim(),
      `Deleted agent kid (${child.id}), with its 1 child agent and 2 assets`,
    );
    const yes = await terminal(["agents", "delete", master.id], {
      answers: [["Delete it? [y/N] ", "y\r"]],
    });
    assert.equal(yes.code, 0, yes.screen);
    assert.deepEqual(JSON.parse((await piped(["agents", "list"])).stdout), []);
  } finally {
    await cleanup();
  }
});
