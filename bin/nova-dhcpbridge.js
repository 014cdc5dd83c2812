#!/usr/bin/env node
import "../dist/cmd/nova-dhcpbridge.js";
