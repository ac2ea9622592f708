#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The pccx-remote authors
# Shipping to s3rver behind a SigV4-checking TLS proxy: order, outage, resume.

. "$(dirname "$0")/lib_audit.sh"

plan 23
audit_setup
s3_start
ok $? "s3rver and the SigV4 proxy start"

EMPTY=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
s3_curl() {
	curl -s -o /dev/null -w '%{http_code}' --cacert "$T/ca.pem" \
	    --aws-sigv4 "aws:amz:us-east-1:s3" --user "$S3_AK:$1" \
	    -H "x-amz-content-sha256: $EMPTY" \
	    "https://127.0.0.1:$S3_PORT/$S3_BUCKET?list-type=2"
}
is "$(s3_curl wrong-secret)" 403 "the proxy refuses a wrong secret"
is "$(s3_curl "$(head -1 "$T/s3.secret")")" 200 \
    "the proxy passes the right one"

s3_env
"$HARNESS" run -t 60 -n 3000 -w 64 "$T/st" >"$T/run1" 2>&1
ok $? "3000 rows acknowledged, indexed and shipped"
is "$(s3_seqs | cksum)" "$(seq 1 3000 | cksum)" \
    "every row is in the store once, in order"
like "$(s3_keys | head -1)" \
    '^logs/testhost/0{19}1-0{17}[0-9]{3}\.ndjson$' \
    "keys are PREFIX/HOST/FIRST-LAST with 20-digit numbers"
actl audit verify --from-s3 -d "$T/st" >"$T/v1" 2>&1
ok $? "verify --from-s3 agrees with the store"

# Outage: the store goes away mid-stream; appends go on; it comes back.
"$HARNESS" run -t 90 -n 1500 -g 2000 -a "$T/acks2" "$T/st" \
    >"$T/run2" 2>&1 &
H=$!
sleep 1
s3rver_stop
n_down=$(s3_seqs | wc -l)
sleep 2
acked_down=$(wc -l <"$T/acks2")
s3rver_start
wait $H
ok $? "appends were acknowledged while the store was down"
[ "$acked_down" -gt 0 ] && [ "$(s3_seqs | wc -l)" -gt "$n_down" ]
ok $? "acknowledged during the outage ($acked_down), shipped after it"
grep -q 'holding rows' "$T/run2"
ok $? "the shipper said it was holding rows"
is "$(s3_seqs | cksum)" "$(seq 1 4500 | cksum)" \
    "after the outage and a restart: all rows once, in order"

# A wrong secret: nothing ships, nothing is lost; the right one ships it.
printf 'not-the-secret\n' >"$T/bad.secret"
chmod 600 "$T/bad.secret"
AUDIT_S3_SECRET_FILE="$T/bad.secret" "$HARNESS" run -t 3 -n 200 \
    "$T/st" >"$T/run3" 2>&1
[ $? -ne 0 ] && [ "$(s3_seqs | wc -l)" -eq 4500 ]
ok $? "with a wrong secret the store refuses every object"
grep -q 'SignatureDoesNotMatch' "$T/run3"
ok $? "and the shipper logged why"
"$HARNESS" run -S -t 60 -n 300 "$T/st" >"$T/run4" 2>&1
ok $? "under the audit seccomp filter, the backlog and new rows ship"
[ -s "$T/run4" ] && sed 's/^/# /' "$T/run4" | head -5
is "$(s3_seqs | cksum)" "$(seq 1 5000 | cksum)" \
    "no gap and no duplicate across four runs"
actl audit verify --from-s3 -d "$T/st" >"$T/v2" 2>&1
ok $? "verify --from-s3 after the outage"

# Deleting the newest rows and their checkpoint is caught by the store.
db="$T/st/audit/audit.db"
sqlite3 "$db" "DROP TRIGGER rows_no_delete;
    DROP TRIGGER checkpoints_no_delete;
    DELETE FROM rows WHERE seq > 4900;
    DELETE FROM checkpoints WHERE seq > 4900;
    DELETE FROM shipped WHERE last > 4900;" 2>/dev/null
out=$(actl audit verify --from-s3 -d "$T/st" 2>&1)
like "$out" 'fails verification at seq 4901.*' \
    "rows deleted with their checkpoint and shipped record: seq 4901"

# With a recipient, objects are age files; -i opens them to verify.
rcpt=$("$HARNESS" agekey "$T/id.txt")
AUDIT_RECIPIENT="$rcpt" AUDIT_HOST=enchost "$HARNESS" run -S -t 60 \
    -n 500 "$T/enc" >"$T/run5" 2>&1
ok $? "with a recipient, 500 rows ship (under the seccomp filter)"
k=$(s3_keys | grep enchost | head -1)
is "$(head -c 21 "$T/s3data/$S3_BUCKET/$k._S3rver_object")" \
    "age-encryption.org/v1" "the objects are age files"
actl audit verify --from-s3 -d "$T/enc" >"$T/v3" 2>&1
like "$(cat "$T/v3")" 'age-encrypted: give -i' \
    "verify --from-s3 asks for an identity"
actl audit verify --from-s3 -i "$T/id.txt" -d "$T/enc" >"$T/v4" 2>&1
ok $? "and with -i decrypts and verifies every object"

# A segment staged plain while the store refused it is staged again,
# encrypted, once a recipient is set: it never leaves plain.
AUDIT_S3_SECRET_FILE="$T/bad.secret" AUDIT_HOST=spoolhost "$HARNESS" \
    run -t 3 -n 200 "$T/sp" >"$T/run6" 2>&1
AUDIT_RECIPIENT="$rcpt" AUDIT_HOST=spoolhost "$HARNESS" run -S -t 60 \
    -n 100 "$T/sp" >"$T/run7" 2>&1
ok $? "with a recipient set after an outage, the backlog ships"
k=$(s3_keys | grep spoolhost | head -1)
is "$(head -c 21 "$T/s3data/$S3_BUCKET/$k._S3rver_object")" \
    "age-encryption.org/v1" "the segment staged plain goes out encrypted"
finish
