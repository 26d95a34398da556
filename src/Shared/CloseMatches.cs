namespace ModelStore;

/// <summary>
/// Picks the names closest to one that was not found (a misspelt file or branch), for error messages: the same file name
/// in another folder first, then by edit distance, within a distance that still looks like a typo.
/// </summary>
internal static class CloseMatches
{
    public static IReadOnlyList<string> Find(string wanted, IEnumerable<string> candidates, int count = 5)
    {
        ArgumentNullException.ThrowIfNull(wanted);
        ArgumentNullException.ThrowIfNull(candidates);
        var wantedName = FileName(wanted);
        var limit = Math.Max(3, wanted.Length * 2 / 5);
        return candidates
            .Distinct(StringComparer.Ordinal)
            .Where(candidate => !string.Equals(candidate, wanted, StringComparison.Ordinal))
            .Select(candidate => (Candidate: candidate, SameName: string.Equals(FileName(candidate), wantedName, StringComparison.OrdinalIgnoreCase), Distance: Distance(wanted, candidate)))
            .Where(match => match.SameName || match.Distance <= limit)
            .OrderByDescending(match => match.SameName)
            .ThenBy(match => match.Distance)
            .ThenBy(match => match.Candidate, StringComparer.Ordinal)
            .Take(count)
            .Select(match => match.Candidate)
            .ToList();
    }

    /// <summary>The Levenshtein distance, case-insensitive (a wrong case is a near miss).</summary>
    public static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = char.ToLowerInvariant(a[i - 1]) == char.ToLowerInvariant(b[j - 1]) ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }

    private static string FileName(string path) => path[(path.LastIndexOf('/') + 1)..];
}
