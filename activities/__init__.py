"""Every side effect of the workflows: the read model, audit events and notifications."""
