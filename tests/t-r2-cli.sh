#!/usr/bin/env bash
# r2ls, r2get, r2put, r2rm as a shell user first meets them: help, version,
# usage errors, missing settings and a wrong secret, each with the exit
# status DESIGN.md promises and one line that says what to fix.
. "$(dirname "$0")/lib.sh"

PROGS="r2ls r2get r2put r2rm"

# --- help, version, usage errors
for p in $PROGS; do
	check_exit 0 "$p --help exits 0" "$p" --help
	check_grep "$p --help prints usage on stdout" "^usage: $p " "$T/out"
	check_exit 0 "$p -h exits 0" "$p" -h
	check_exit 0 "$p --version exits 0" "$p" --version
	check_grep "$p --version names the program and drkit" "^$p \(drkit\) [0-9]" "$T/out"
	check_exit 2 "$p --no-such-option exits 2" "$p" --no-such-option
	check_grep "$p: a bad option is reported as '$p: ...'" "^$p: " "$T/err"
done
check_exit 2 "r2get without a name exits 2" r2get
check_exit 2 "r2put without a name exits 2" r2put </dev/null
check_exit 2 "r2put --part-size below 5M exits 2" r2put --part-size 1M s3://bkt/k </dev/null
check_exit 2 "r2put --verify with an unknown mode exits 2" r2put --verify zip s3://bkt/k </dev/null
check_exit 2 "r2ls --older-than with a bad age exits 2" r2ls --older-than soon s3://bkt/
check_exit 2 "r2get --jobs 0 exits 2" r2get -j 0 s3://bkt/k

# --- missing settings: nothing in the environment, no profile
mkdir "$T/home"
bare() {
	env -u R2_ACCESS_KEY_ID -u R2_SECRET_ACCESS_KEY -u R2_ENDPOINT -u R2_BUCKET \
		-u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN \
		-u AWS_ENDPOINT_URL -u AWS_ENDPOINT_URL_S3 -u AWS_PROFILE -u AWS_REGION \
		-u AWS_DEFAULT_REGION AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
		HOME="$T/home" "$@"
}
# one_line NAME: stderr is a single "PROG: ..." line.
one_line() {
	check_eq "$1" "1" "$(wc -l <"$T/err")"
}
for p in $PROGS; do
	case $p in
	r2ls) args=(s3://bkt/) ;;
	*) args=(s3://bkt/key) ;;
	esac
	check_exit 3 "$p without credentials exits 3" bare "$p" "${args[@]}" </dev/null
	check_grep "... and names R2_ACCESS_KEY_ID to set" "^$p: .*set R2_ACCESS_KEY_ID" "$T/err"
	one_line "... in one line"
	check_exit 3 "$p with an access key but no secret exits 3" \
		bare R2_ACCESS_KEY_ID=S3RVER R2_ENDPOINT="http://127.0.0.1:1" "$p" "${args[@]}" </dev/null
	check_grep "... and names R2_SECRET_ACCESS_KEY" "^$p: .*R2_SECRET_ACCESS_KEY" "$T/err"
	check_exit 3 "$p with R2 keys but no endpoint exits 3" \
		bare R2_ACCESS_KEY_ID=S3RVER R2_SECRET_ACCESS_KEY=S3RVER "$p" "${args[@]}" </dev/null
	check_grep "... and names R2_ENDPOINT" "^$p: .*set R2_ENDPOINT" "$T/err"
done
check_exit 3 "r2ls with no name and no R2_BUCKET exits 3" \
	bare R2_ACCESS_KEY_ID=S3RVER R2_SECRET_ACCESS_KEY=S3RVER R2_ENDPOINT=http://127.0.0.1:1 r2ls
check_grep "... and names R2_BUCKET" "^r2ls: .*R2_BUCKET" "$T/err"
check_exit 3 "r2get of a bare key with no R2_BUCKET exits 3" \
	bare R2_ACCESS_KEY_ID=S3RVER R2_SECRET_ACCESS_KEY=S3RVER R2_ENDPOINT=http://127.0.0.1:1 \
	r2get daily.sql.gz
check_grep "... and names R2_BUCKET" "^r2get: .*R2_BUCKET" "$T/err"

# --- a wrong secret: the server refuses, every program says so in one line
need_s3
new_bucket cli-bkt || { done_testing; exit; }
echo hello | r2put -q s3://cli-bkt/hello.txt
wrong_secret_is_refused() {	# PROG ARGS...
	local p=$1
	check_exit 3 "$p under a wrong secret exits 3" env R2_SECRET_ACCESS_KEY=wrong "$@"
	check_grep "... with a message about credentials" "^$p: .*credentials" "$T/err"
	check_grep "... naming the variable to check" "R2_SECRET_ACCESS_KEY" "$T/err"
	one_line "... in one line"
	if grep -Eiq 'HTTP/1|authorization:|x-amz-|<\?xml|<Error>' "$T/err"; then
		not_ok "... without HTTP headers or XML" "$(cat "$T/err")"
	else
		ok "... without HTTP headers or XML"
	fi
}
wrong_secret_is_refused r2ls s3://cli-bkt/
wrong_secret_is_refused r2ls --recursive s3://cli-bkt/
wrong_secret_is_refused r2get s3://cli-bkt/hello.txt
echo new >"$T/new.txt"
wrong_secret_is_refused r2put s3://cli-bkt/new.txt <"$T/new.txt"
wrong_secret_is_refused r2rm s3://cli-bkt/hello.txt
aws s3 ls s3://cli-bkt/ >"$T/ls"
check_grep "the wrong secret deleted nothing" " hello.txt$" "$T/ls"
if grep -q new.txt "$T/ls"; then not_ok "the wrong secret wrote nothing"; else ok "the wrong secret wrote nothing"; fi
check_exit 0 "the right secret still lists the bucket" r2ls s3://cli-bkt/

# --- settings from the AWS conventions and profiles, as DESIGN lists them
mkdir -p "$T/home/.aws"
printf '[default]\naws_access_key_id = S3RVER\naws_secret_access_key = S3RVER\n[backup]\naws_access_key_id = S3RVER\naws_secret_access_key = wrong\n' \
	>"$T/home/.aws/credentials"
printf '[default]\nendpoint_url = %s\n[profile backup]\nregion = auto\ns3 =\n  endpoint_url = %s\n' \
	"$R2_ENDPOINT" "$R2_ENDPOINT" >"$T/home/.aws/config"
profile() {	# runs with ~/.aws as the only source of settings
	bare env -u AWS_CONFIG_FILE -u AWS_SHARED_CREDENTIALS_FILE "$@"
}
check_exit 0 "r2ls with the default profile's keys and endpoint_url" profile r2ls s3://cli-bkt/
check_grep "... lists the bucket" " hello.txt$" "$T/out"
check_exit 3 "r2ls with AWS_PROFILE=backup (its s3 = endpoint_url, a wrong secret) exits 3" \
	profile AWS_PROFILE=backup r2ls s3://cli-bkt/
check_grep "... naming the profile's secret to check" "aws_secret_access_key in the AWS profile" "$T/err"
check_exit 0 "r2get with AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_ENDPOINT_URL_S3" \
	bare AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_ENDPOINT_URL_S3="$R2_ENDPOINT" \
	r2get s3://cli-bkt/hello.txt
check_eq "... returns the object" hello "$(cat "$T/out")"
check_exit 0 "R2_* wins over a profile's wrong secret" \
	profile AWS_PROFILE=backup R2_ACCESS_KEY_ID=S3RVER R2_SECRET_ACCESS_KEY=S3RVER \
	R2_ENDPOINT="$R2_ENDPOINT" r2ls s3://cli-bkt/

# --- -v traces requests, never a secret; -q keeps only errors
for p in r2ls r2get r2rm; do
	case $p in
	r2ls) args=(s3://cli-bkt/) ;;
	*) args=(s3://cli-bkt/hello.txt) ;;
	esac
	check_exit 3 "$p -v under a wrong secret" env R2_SECRET_ACCESS_KEY=TopSecretValue42 "$p" -v "${args[@]}"
	check_grep "... traces the request and its status" "^$p: (GET|HEAD|POST) s3://cli-bkt/.* -> 403 " "$T/err"
	if grep -Eq 'TopSecretValue42|Signature=|Credential=' "$T/err"; then
		not_ok "... and never the secret or the signature" "$(cat "$T/err")"
	else
		ok "... and never the secret or the signature"
	fi
done
check_exit 0 "r2put -q from a pipe" r2put -q s3://cli-bkt/quiet.txt < <(echo quiet)
check_eq "... prints nothing" "" "$(cat "$T/out" "$T/err")"
echo quiet | r2put s3://cli-bkt/quiet2.txt 2>"$T/err"
check_grep "... where without -q it notes the part size" "^r2put: parts of" "$T/err"

# Numbers in options are whole: "4x" is a typo, not 4.
for p in r2get r2put; do
	check_exit 2 "$p -j 4x is a usage error" $p -j 4x s3://cli-bkt/x </dev/null
	check_grep "... naming the option and the value" "^$p: --jobs: want a whole number from 1 to 64, not '4x'" "$T/err"
done
check_exit 2 "r2ls --newest 3d is a usage error" r2ls --newest 3d s3://cli-bkt/

done_testing
