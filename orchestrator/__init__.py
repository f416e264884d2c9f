"""woo-platform orchestrator: hands out WooCommerce stores on Kubernetes."""
