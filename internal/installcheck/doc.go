// Package installcheck holds the tests of what an admin installs with: the
// provisioning files, docker-compose.yaml and the Terraform example. No
// Grafana, Docker or Terraform runs here, so the tests read the files with
// the libraries those tools use (YAML, HCL) and check that every path, id,
// port, setting and query they name exists and is accepted by the plugin.
package installcheck
