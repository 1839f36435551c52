#[test]
fn dump() {
    std::fs::write("/tmp/openapi.json", latchkey_api::openapi_json()).unwrap();
}
