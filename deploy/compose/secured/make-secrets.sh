#!/bin/sh
# Makes, once, what the secured compose stack needs in the directory $1 (a volume): a CA
# (ca.pem), the broker's PKCS#12 key store signed by it for the names kafka and localhost
# (kafka.p12, its password in kafka.p12.password) and random SCRAM passwords for the admin and
# the workers (<user>.password). Runs in the apache/kafka image, for its keytool.
set -eu
dir=$1
cd "$dir"
if [ -f ca.pem ]; then
  echo "secrets exist in $dir"
  exit 0
fi
secret() { head -c 24 /dev/urandom | base64 | tr -d '/+=\n'; }
secret > kafka.p12.password
store=$(cat kafka.p12.password)
keytool -genkeypair -alias ca -dname CN=transparantie-compose-ca -ext bc:c -keyalg EC \
  -groupname secp256r1 -validity 3650 -storetype PKCS12 -keystore ca.p12 -storepass "$store"
keytool -exportcert -rfc -alias ca -keystore ca.p12 -storepass "$store" > ca.pem
keytool -genkeypair -alias kafka -dname CN=kafka -keyalg EC -groupname secp256r1 \
  -validity 825 -storetype PKCS12 -keystore kafka.p12 -storepass "$store"
keytool -certreq -alias kafka -keystore kafka.p12 -storepass "$store" \
  | keytool -gencert -alias ca -keystore ca.p12 -storepass "$store" -rfc -validity 825 \
      -ext SAN=dns:kafka,dns:localhost -ext EKU=serverAuth,clientAuth > kafka.pem
keytool -importcert -noprompt -alias ca -file ca.pem -keystore kafka.p12 -storepass "$store"
keytool -importcert -noprompt -alias kafka -file kafka.pem -keystore kafka.p12 -storepass "$store"
rm ca.p12 kafka.pem  # the CA's key is not needed again: nothing else is signed
for user in transparantie-admin transparantie-worker; do secret > "$user.password"; done
# the broker runs as appuser and the workers as uid 10001: readable for them, written by no one
chmod 0444 ./*
echo "made the CA, the broker's key store and the SCRAM passwords in $dir"
