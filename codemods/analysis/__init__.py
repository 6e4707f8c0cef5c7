"""What the finder asks of a parsed module: what a name resolves to (names), bound values and
candidate calls (collect), Path receivers (receivers), json/pickle handles (handles), the
names the runtime's objects get (bindings), secret-looking literal paths (secret_paths); the
finder (finder) drives them and records its decisions (found, plan)."""
