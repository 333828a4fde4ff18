package dev.tollgate.protocol;
