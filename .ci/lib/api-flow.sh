# Shared by the CI steps: the API's contract driven with curl against a running Burnlink.
#   source .ci/lib/api-flow.sh; api_flow http://127.0.0.1:PORT   -> sets FLOW_KEYS (both keys used)

# expect STATUS METHOD URL [JSON-BODY]: prints the response body; fails unless the status matches.
expect () {
  local want=$1 method=$2 url=$3 body=${4-} out status
  out=$(mktemp)
  if [ -n "$body" ]; then
    status=$(curl -sS -o "$out" -w '%{http_code}' -X "$method" -H 'content-type: application/json' -H 'x-forwarded-for: 203.0.113.99' --data "$body" "$url")
  else
    status=$(curl -sS -o "$out" -w '%{http_code}' -X "$method" -H 'x-forwarded-for: 203.0.113.99' "$url")
  fi
  if [ "$status" != "$want" ]; then
    echo "FAIL: $method ${url%/secret/*}/... answered $status, expected $want: $(cat "$out")" >&2
    rm -f "$out"; return 1
  fi
  cat "$out"; rm -f "$out"
}

# create -> read -> read again (404) -> create + delete -> read the deleted one (404).
api_flow () {
  local base=$1 key other secret
  key=$(expect 201 POST "$base/secret" '{"secret":"ci 🔑 secret","ttl_seconds":600}' | jq -er .secret_key)
  secret=$(expect 200 GET "$base/secret/$key" | jq -er .secret)
  [ "$secret" = 'ci 🔑 secret' ] || { echo "FAIL: read returned a different secret" >&2; return 1; }
  [ "$(expect 404 GET "$base/secret/$key" | jq -er .code)" = SECRET_NOT_FOUND ]
  other=$(expect 201 POST "$base/secret" '{"secret":"to be deleted"}' | jq -er .secret_key)
  [ "$(expect 200 DELETE "$base/secret/$other" | jq -er .status)" = secret_deleted ]
  expect 404 GET "$base/secret/$other" >/dev/null
  # A passphrase (Argon2id, a native module) guards deletion; the header must pass any proxy.
  local guarded
  guarded=$(expect 201 POST "$base/secret" '{"secret":"guarded","passphrase":"tr0ub4dor"}' | jq -er .secret_key)
  [ "$(expect 403 DELETE "$base/secret/$guarded" | jq -er .code)" = SECRET_PASSPHRASE_REQUIRED ]
  [ "$(curl -sS -X DELETE -H 'x-passphrase: tr0ub4dor' "$base/secret/$guarded" | jq -er .status)" = secret_deleted ]
  # A link preview's HEAD must not burn a secret, whatever sits in front of the function.
  local kept
  kept=$(expect 201 POST "$base/secret" '{"secret":"survives HEAD"}' | jq -er .secret_key)
  curl -sS -o /dev/null -I "$base/secret/$kept"
  [ "$(expect 200 GET "$base/secret/$kept" | jq -er .secret)" = 'survives HEAD' ]
  FLOW_KEYS="$key $other $guarded $kept"
  echo "API flow passed: create, read once, 404 on re-read, delete (with a passphrase too), HEAD consumes nothing"
}
