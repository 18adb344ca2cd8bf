#!/bin/sh
# Starts the secured single-node Kafka of docker-compose.secured.yml: SASL_SSL listeners for
# the containers (kafka:9093) and the host (localhost:29092), the StandardAuthorizer, the
# SCRAM users written into the storage when it is formatted. $1 holds make-secrets.sh's files.
set -eu
secrets=$1
admin=$(cat "$secrets/transparantie-admin.password")
worker=$(cat "$secrets/transparantie-worker.password")
store=$(cat "$secrets/kafka.p12.password")
config=/tmp/server.properties
jaas="org.apache.kafka.common.security.scram.ScramLoginModule required username=\"transparantie-admin\" password=\"$admin\";"
cat > "$config" <<PROPERTIES
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@kafka:9094
listeners=SASL_SSL://:9093,CONTROLLER://:9094,HOST://:29092
advertised.listeners=SASL_SSL://kafka:9093,HOST://localhost:29092
listener.security.protocol.map=CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL,HOST:SASL_SSL
controller.listener.names=CONTROLLER
inter.broker.listener.name=SASL_SSL
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=$jaas
listener.name.host.scram-sha-512.sasl.jaas.config=$jaas
ssl.keystore.type=PKCS12
ssl.keystore.location=$secrets/kafka.p12
ssl.keystore.password=$store
ssl.key.password=$store
ssl.truststore.type=PEM
ssl.truststore.location=$secrets/ca.pem
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:transparantie-admin;User:ANONYMOUS
log.dirs=/var/lib/kafka/data
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
PROPERTIES
# the controller listener stays PLAINTEXT inside the compose network (its principal, ANONYMOUS,
# registers the broker); it is not published to the host
cat > /tmp/admin.properties <<PROPERTIES
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=$jaas
ssl.truststore.type=PEM
ssl.truststore.location=$secrets/ca.pem
PROPERTIES
/opt/kafka/bin/kafka-storage.sh format --ignore-formatted -t "$CLUSTER_ID" -c "$config" \
  --add-scram "SCRAM-SHA-512=[name=transparantie-admin,password=$admin]" \
  --add-scram "SCRAM-SHA-512=[name=transparantie-worker,password=$worker]"
exec /opt/kafka/bin/kafka-server-start.sh "$config"
