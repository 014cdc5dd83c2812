#!/usr/bin/env node
import "../dist/cmd/nova-scheduler.js";
