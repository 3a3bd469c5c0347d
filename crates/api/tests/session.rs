//! Browser sign-in: session cookie, CSRF on cookie writes, logout, throttling.

mod common;

use common::{ClientExt as _, dead_address, error_of, start_with_tenant};
use serde_json::{Value, json};

const PASSWORD: &str = "correct horse battery staple";

async fn user_with_password(db: &agentclash_testkit::TestDb, email: &str) {
    let hash = agentclash_auth::hash_password(PASSWORD).expect("hash");
    db.store
        .create_user(email, "Web user", Some(&hash))
        .await
        .expect("user");
}

#[tokio::test]
async fn sign_in_sets_an_httponly_cookie_and_cookie_writes_need_the_csrf_token() {
    let (api, db) = start_with_tenant(&dead_address(), 1 << 16).await;
    user_with_password(&db, "web@test.local").await;
    let http = &api.anonymous;

    let r = http
        .post_json(
            api.url("/v1/auth/login"),
            &json!({ "email": "web@test.local", "password": "wrong password!" }),
        )
        .await;
    assert_eq!(
        error_of(r).await,
        (401, "unauthorized".into(), "wrong email or password".into())
    );
    let r = http
        .post_json(
            api.url("/v1/auth/login"),
            &json!({ "email": "nobody@test.local", "password": PASSWORD }),
        )
        .await;
    assert_eq!(
        error_of(r).await.2,
        "wrong email or password",
        "unknown emails look the same"
    );

    let r = http
        .post_json(
            api.url("/v1/auth/login"),
            &json!({ "email": "WEB@test.local", "password": PASSWORD }),
        )
        .await;
    assert_eq!(r.status(), 200);
    let set_cookie = r.headers()["set-cookie"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(
        set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Lax"),
        "{set_cookie}"
    );
    let cookie = set_cookie.split(';').next().expect("pair").to_owned();
    let login: Value = r.json().await.expect("json");
    let csrf = login["csrf_token"].as_str().expect("csrf").to_owned();

    let session: Value = http
        .get(api.url("/v1/auth/session"))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(session["user"]["email"], "web@test.local");
    assert_eq!(session["csrf_token"], csrf.as_str());
    let me = http
        .get(api.url("/v1/users/me"))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("send");
    assert_eq!(me.status(), 200);

    let body = json!({ "name": "from the browser" });
    let r = http
        .post(api.url("/v1/auth/tokens"))
        .header("cookie", &cookie)
        .json(&body)
        .send()
        .await
        .expect("send");
    assert_eq!(
        error_of(r).await.0,
        403,
        "a cookie write without the CSRF token is refused"
    );
    let r = http
        .post(api.url("/v1/auth/tokens"))
        .header("cookie", &cookie)
        .header("x-csrf-token", "not-the-token")
        .json(&body)
        .send()
        .await
        .expect("send");
    assert_eq!(error_of(r).await.0, 403);
    let r = http
        .post(api.url("/v1/auth/tokens"))
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .json(&body)
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 201);

    let r = http
        .post(api.url("/v1/auth/logout"))
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 204);
    let me = http
        .get(api.url("/v1/users/me"))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("send");
    assert_eq!(me.status(), 401, "the session ends at logout");
}

#[tokio::test]
async fn repeated_wrong_passwords_are_throttled_with_retry_after() {
    let (api, db) = start_with_tenant(&dead_address(), 1 << 16).await;
    user_with_password(&db, "target@test.local").await;
    let attempt = |password: &'static str| {
        api.anonymous
            .post(api.url("/v1/auth/login"))
            .json(&json!({ "email": "target@test.local", "password": password }))
            .send()
    };
    for _ in 0..5 {
        assert_eq!(
            attempt("wrong password!").await.expect("send").status(),
            401
        );
    }
    let r = attempt(PASSWORD).await.expect("send");
    assert_eq!(
        r.status(),
        429,
        "even the right password waits once throttled"
    );
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!(retry >= 1);
    let (_, code, _) = error_of(r).await;
    assert_eq!(code, "too_many_requests");
}
