#!/usr/bin/env node
import "../dist/cmd/nova-manage.js";
