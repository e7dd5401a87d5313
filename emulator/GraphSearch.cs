using System.Text;

namespace MfaPhone.Emulator;

/// <summary><c>$search</c> on users (an advanced query: needs <c>ConsistencyLevel: eventual</c>, not
/// <c>$count</c>). Syntax: clauses <c>"property:text"</c>, each in double quotes (<c>\"</c> and
/// <c>\\</c> escaped), joined by upper-case <c>AND</c> / <c>OR</c> outside the quotes, with
/// parentheses. <c>displayName</c> is matched by tokens (words split at spaces, symbols, digits and
/// lower-to-upper case changes; every search token must start some token of the value, in any order,
/// case-insensitively); any other filterable string property by <c>startsWith</c>.</summary>
public static class Search
{
    public abstract class Node
    {
        public abstract bool Eval(User u);
    }

    private sealed class And(Node a, Node b) : Node { public override bool Eval(User u) => a.Eval(u) && b.Eval(u); }
    private sealed class Or(Node a, Node b) : Node { public override bool Eval(User u) => a.Eval(u) || b.Eval(u); }

    private sealed class Clause(string prop, string text) : Node
    {
        public override bool Eval(User u)
        {
            if (Filter.ValueOf(u, prop) is not string value) return false;
            if (prop != "displayName") return value.StartsWith(text, StringComparison.OrdinalIgnoreCase);
            var have = Tokens(value, combine: true);
            return Tokens(text, combine: false).All(t => have.Any(h => h.StartsWith(t, StringComparison.Ordinal)));
        }
    }

    public static GraphError MissingConsistencyLevel() =>
        new(400, "Request_UnsupportedQuery", "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'");

    private static GraphError Syntax(string text, int pos, string what) =>
        new(400, "Request_UnsupportedQuery",
            $"Syntax error in $search at position {pos} of '{text}': {what}. Each clause is \"property:text\" in double quotes; clauses are joined by AND or OR (upper case) outside the quotes.");

    public static Node Parse(string text)
    {
        int pos = 0;
        void Ws() { while (pos < text.Length && char.IsWhiteSpace(text[pos])) pos++; }
        bool Word(string w)
        {
            Ws();
            if (pos + w.Length <= text.Length && string.CompareOrdinal(text, pos, w, 0, w.Length) == 0
                && (pos + w.Length == text.Length || text[pos + w.Length] is ' ' or '"' or '(' or '\t'))
            {
                pos += w.Length;
                return true;
            }
            return false;
        }
        Node ParseOr()
        {
            var left = ParseAnd();
            while (Word("OR")) left = new Or(left, ParseAnd());
            return left;
        }
        Node ParseAnd()
        {
            var left = ParseTerm();
            while (Word("AND")) left = new And(left, ParseTerm());
            return left;
        }
        Node ParseTerm()
        {
            Ws();
            if (pos >= text.Length) throw Syntax(text, pos, "a clause is expected");
            if (text[pos] == '(')
            {
                pos++;
                var inner = ParseOr();
                Ws();
                if (pos >= text.Length || text[pos] != ')') throw Syntax(text, pos, "')' is expected");
                pos++;
                return inner;
            }
            if (text[pos] != '"') throw Syntax(text, pos, $"character '{text[pos]}' is not valid here, a clause must start with '\"'");
            int start = pos++;
            var sb = new StringBuilder();
            while (true)
            {
                if (pos >= text.Length) throw Syntax(text, start, "the clause has no closing '\"'");
                char c = text[pos++];
                if (c == '"') break;
                if (c == '\\')
                {
                    if (pos >= text.Length || text[pos] is not ('"' or '\\')) throw Syntax(text, pos - 1, "only \\\" and \\\\ may be escaped");
                    c = text[pos++];
                }
                sb.Append(c);
            }
            var clause = sb.ToString();
            int colon = clause.IndexOf(':');
            if (colon <= 0) throw Syntax(text, start, "the clause names no property (\"property:text\")");
            var name = clause[..colon].Trim();
            var prop = Filter.Property(name) ?? throw Filter.Unsupported(name);
            var value = clause[(colon + 1)..];
            if (value.Trim().Length == 0) throw Syntax(text, start, "the clause has no text to search for");
            return new Clause(prop, value);
        }
        var root = ParseOr();
        Ws();
        if (pos < text.Length) throw Syntax(text, pos, $"character '{text[pos]}' is not valid here (AND and OR must be upper case)");
        return root;
    }

    /// <summary>Lower-cased tokens: split at non-alphanumerics, letter/digit boundaries and
    /// lower-to-upper case changes; with <paramref name="combine"/> also the words joined across
    /// symbols only (<c>hello.world</c> also gives <c>helloworld</c>).</summary>
    public static List<string> Tokens(string s, bool combine)
    {
        var tokens = new List<string>();
        var current = new StringBuilder();
        var joined = new StringBuilder();
        char prev = '\0';
        void Flush()
        {
            if (current.Length > 0) tokens.Add(current.ToString().ToLowerInvariant());
            current.Clear();
        }
        foreach (char c in s)
        {
            if (!char.IsLetterOrDigit(c))
            {
                Flush();
                if (char.IsWhiteSpace(c))
                {
                    if (combine && joined.Length > 0) tokens.Add(joined.ToString().ToLowerInvariant());
                    joined.Clear();
                }
                prev = c;
                continue;
            }
            bool boundary = current.Length > 0 &&
                ((char.IsDigit(c) != char.IsDigit(prev)) || (char.IsUpper(c) && char.IsLower(prev)));
            if (boundary) Flush();
            current.Append(c);
            joined.Append(c);
            prev = c;
        }
        Flush();
        if (combine && joined.Length > 0) tokens.Add(joined.ToString().ToLowerInvariant());
        return tokens;
    }
}
