// Cheap password hashing in tests; production uses the full argon2id cost.
process.env.WYMIANA_ARGON2_FAST = '1';
