/// A store query broke an invariant of the schema (an INSERT … RETURNING that returned no row): a
/// bug, never a user error, so the API answers it as an internal error.
enum StoreInvariantError: Error {
    case insertReturnedNothing
}
