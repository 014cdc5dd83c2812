#!/usr/bin/env node
import "../dist/cmd/nova-network.js";
