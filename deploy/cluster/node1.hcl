storage "raft" {
  path    = "/arca/data"
  node_id = "node1"
  retry_join {
    leader_api_addr = "http://arca2:8200"
  }
  retry_join {
    leader_api_addr = "http://arca3:8200"
  }
}

listener "tcp" {
  address     = "0.0.0.0:8200"
  tls_disable = true
}

api_addr     = "http://arca1:8200"
cluster_addr = "http://arca1:8201"
log_level    = "warn"
disable_mlock = true
