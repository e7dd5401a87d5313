using System.Globalization;
using System.Text;

namespace MfaPhone.Emulator;

/// <summary>A small OData $filter parser/evaluator for users: eq, ne, in, startsWith, endsWith,
/// and, or, not, parentheses; string, null, boolean and GUID literals.</summary>
public static class Filter
{
    /// <summary>Why a filter is an advanced query (needs <c>ConsistencyLevel: eventual</c> and
    /// <c>$count=true</c>): the <c>ne</c> or <c>not</c> operator, <c>endsWith</c>, or a property
    /// indexed only for advanced queries (<c>onPremisesExtensionAttributes</c>).</summary>
    public enum AdvancedKind { NotEquals, Not, EndsWith, Property }

    public sealed record AdvancedReason(AdvancedKind Kind, string Property)
    {
        /// <summary>Graph's answer when the advanced query parameters are missing.</summary>
        public GraphError Error() => Kind switch
        {
            AdvancedKind.NotEquals => new GraphError(400, "Request_UnsupportedQuery", "Filter operator 'NotEqualsMatch' is not supported."),
            AdvancedKind.Not => new GraphError(400, "Request_UnsupportedQuery", "Filter operator 'Not' is not supported."),
            AdvancedKind.EndsWith => new GraphError(400, "Request_UnsupportedQuery",
                "Operator 'endsWith' is not supported because the required parameters might be missing. Try adding $count=true query parameter and ConsistencyLevel:eventual header. Refer to https://aka.ms/graph-docs/advanced-queries for more information"),
            _ => Unsupported(Property),
        };
    }

    public static GraphError Unsupported(string property) =>
        new(400, "Request_UnsupportedQuery", $"Unsupported or invalid query filter clause specified for property '{property}' of resource 'User'.");

    public abstract class Node
    {
        /// <summary>What makes this an advanced query (needs ConsistencyLevel + $count), or null.</summary>
        public AdvancedReason? Advanced { get; set; }
        public abstract bool Eval(User u);
    }

    private sealed class And(Node a, Node b) : Node { public override bool Eval(User u) => a.Eval(u) && b.Eval(u); }
    private sealed class Or(Node a, Node b) : Node
    {
        public Node A => a;
        public Node B => b;
        public override bool Eval(User u) => a.Eval(u) || b.Eval(u);
    }
    private sealed class Not(Node a) : Node { public override bool Eval(User u) => !a.Eval(u); }

    private sealed class Compare(string prop, string op, object? value) : Node
    {
        public string Prop => prop;
        public string Op => op;
        public object? Value_ => value;
        public override bool Eval(User u)
        {
            var v = Value(u, prop);
            bool eq = (v, value) switch
            {
                (null, null) => true,
                (null, _) or (_, null) => false,
                (string s, string t) => string.Equals(s, t, StringComparison.OrdinalIgnoreCase),
                (bool b, bool c) => b == c,
                _ => false,
            };
            return op == "eq" ? eq : !eq;
        }
    }

    private sealed class In(string prop, List<object?> values) : Node
    {
        public override bool Eval(User u)
        {
            var v = Value(u, prop);
            return values.Any(x => (v, x) switch
            {
                (string s, string t) => string.Equals(s, t, StringComparison.OrdinalIgnoreCase),
                (null, null) => true,
                (bool b, bool c) => b == c,
                _ => false,
            });
        }
    }

    private sealed class StringFunc(string fn, string prop, string arg) : Node
    {
        public override bool Eval(User u) => Value(u, prop) is string s &&
            (fn == "startswith" ? s.StartsWith(arg, StringComparison.OrdinalIgnoreCase) : s.EndsWith(arg, StringComparison.OrdinalIgnoreCase));
    }

    private static readonly Dictionary<string, string> Props = new(StringComparer.OrdinalIgnoreCase)
    {
        ["id"] = "id", ["userPrincipalName"] = "userPrincipalName", ["displayName"] = "displayName", ["mail"] = "mail",
        ["givenName"] = "givenName", ["surname"] = "surname", ["accountEnabled"] = "accountEnabled", ["userType"] = "userType",
        ["usageLocation"] = "usageLocation", ["jobTitle"] = "jobTitle", ["department"] = "department",
        ["onPremisesSyncEnabled"] = "onPremisesSyncEnabled", ["mobilePhone"] = "mobilePhone",
        ["city"] = "city", ["country"] = "country", ["companyName"] = "companyName", ["employeeId"] = "employeeId",
        ["postalCode"] = "postalCode", ["state"] = "state", ["officeLocation"] = "officeLocation", ["preferredLanguage"] = "preferredLanguage",
    };

    private static object? Value(User u, string prop)
    {
        if (prop.StartsWith("onPremisesExtensionAttributes/extensionAttribute", StringComparison.Ordinal))
            return u.ExtensionAttributes[int.Parse(prop["onPremisesExtensionAttributes/extensionAttribute".Length..], CultureInfo.InvariantCulture) - 1];
        return prop switch
        {
            "id" => u.Id.ToString(),
            "userPrincipalName" => u.UserPrincipalName,
            "displayName" => u.DisplayName,
            "mail" => u.Mail,
            "givenName" => u.GivenName,
            "surname" => u.Surname,
            "accountEnabled" => u.AccountEnabled,
            "userType" => u.UserType,
            "usageLocation" => u.UsageLocation,
            "jobTitle" => u.JobTitle,
            "department" => u.Department,
            "onPremisesSyncEnabled" => u.OnPremisesSyncEnabled ? true : null,
            "mobilePhone" => u.MobilePhone,
            "officeLocation" => u.OfficeLocation,
            "preferredLanguage" => u.PreferredLanguage,
            _ => null, // city, country, … are not modelled: always null
        };
    }

    /// <summary>The object ids of a delta scoping filter (<c>id eq '…'</c>, joined by <c>or</c>),
    /// or null when the filter has any other shape.</summary>
    public static List<string>? ScopingIds(Node n)
    {
        var ids = new List<string>();
        bool Walk(Node x)
        {
            switch (x)
            {
                case Or o: return Walk(o.A) && Walk(o.B);
                case Compare c when c.Prop == "id" && c.Op == "eq" && c.Value_ is string v:
                    ids.Add(v);
                    return true;
                default: return false;
            }
        }
        return Walk(n) ? ids : null;
    }

    /// <summary>Filterable user properties (also the properties $search may name).</summary>
    public static string? Property(string name) => Props.TryGetValue(name, out var c) ? c : null;

    /// <summary>A property's value as the filter sees it.</summary>
    public static object? ValueOf(User u, string canonicalProp) => Value(u, canonicalProp);

    public static Node Parse(string text)
    {
        var p = new Parser(text);
        var n = p.ParseOr();
        p.SkipWs();
        if (!p.End) throw Error($"Syntax error at position {p.Pos} in '{text}'.");
        return n;
    }

    private static GraphError Error(string msg) => new(400, "BadRequest", "Invalid filter clause: " + msg);

    private sealed class Parser(string s)
    {
        public int Pos;
        public bool End => Pos >= s.Length;

        public void SkipWs() { while (Pos < s.Length && char.IsWhiteSpace(s[Pos])) Pos++; }

        private bool Keyword(string kw)
        {
            SkipWs();
            if (Pos + kw.Length <= s.Length && string.Compare(s, Pos, kw, 0, kw.Length, StringComparison.OrdinalIgnoreCase) == 0
                && (Pos + kw.Length == s.Length || !char.IsLetterOrDigit(s[Pos + kw.Length])))
            {
                Pos += kw.Length;
                return true;
            }
            return false;
        }

        private bool Char(char c)
        {
            SkipWs();
            if (Pos < s.Length && s[Pos] == c) { Pos++; return true; }
            return false;
        }

        private static Node Merge(Node n, Node a, Node b)
        {
            n.Advanced = a.Advanced ?? b.Advanced;
            return n;
        }

        public Node ParseOr()
        {
            var left = ParseAnd();
            while (Keyword("or")) { var right = ParseAnd(); left = Merge(new Or(left, right), left, right); }
            return left;
        }

        private Node ParseAnd()
        {
            var left = ParseUnary();
            while (Keyword("and")) { var right = ParseUnary(); left = Merge(new And(left, right), left, right); }
            return left;
        }

        private Node ParseUnary()
        {
            if (Keyword("not"))
            {
                var inner = ParseUnary();
                return new Not(inner) { Advanced = new AdvancedReason(AdvancedKind.Not, "not") };
            }
            if (Char('('))
            {
                var n = ParseOr();
                if (!Char(')')) throw Error("')' expected.");
                return n;
            }
            foreach (var fn in new[] { "startswith", "endswith" })
            {
                int save = Pos;
                if (Keyword(fn) && Char('('))
                {
                    var prop = ParseProperty();
                    if (!Char(',')) throw Error("',' expected.");
                    var lit = ParseLiteral() as string ?? throw Error($"{fn} needs a string literal.");
                    if (!Char(')')) throw Error("')' expected.");
                    var node = new StringFunc(fn, prop, lit);
                    if (fn == "endswith")
                    {
                        // endsWith is indexed only for mail, otherMails, userPrincipalName and proxyAddresses
                        if (prop is not ("mail" or "userPrincipalName")) throw Unsupported(PropName(prop));
                        node.Advanced = new AdvancedReason(AdvancedKind.EndsWith, PropName(prop));
                    }
                    else node.Advanced = AdvancedProp(prop);
                    return node;
                }
                Pos = save;
            }
            var p = ParseProperty();
            if (Keyword("eq") || Keyword("ne"))
            {
                string op = s.Substring(Pos - 2, 2).ToLowerInvariant();
                var v = ParseLiteral();
                return new Compare(p, op, v) { Advanced = op == "ne" ? new AdvancedReason(AdvancedKind.NotEquals, PropName(p)) : AdvancedProp(p) };
            }
            if (Keyword("in"))
            {
                if (!Char('(')) throw Error("'(' expected after in.");
                var values = new List<object?>();
                do values.Add(ParseLiteral()); while (Char(','));
                if (!Char(')')) throw Error("')' expected.");
                return new In(p, values) { Advanced = AdvancedProp(p) };
            }
            foreach (var op in new[] { "ge", "le", "gt", "lt" })
                if (Keyword(op)) throw Unsupported(PropName(p));
            throw Error($"operator expected after '{p}'.");
        }

        private static string PropName(string p) => p.Contains('/') ? p[(p.LastIndexOf('/') + 1)..] : p;

        /// <summary>Filtering on onPremisesExtensionAttributes is an advanced query.</summary>
        private static AdvancedReason? AdvancedProp(string p) =>
            p.StartsWith("onPremisesExtensionAttributes/", StringComparison.Ordinal) ? new AdvancedReason(AdvancedKind.Property, PropName(p)) : null;

        private string ParseProperty()
        {
            SkipWs();
            int start = Pos;
            while (Pos < s.Length && (char.IsLetterOrDigit(s[Pos]) || s[Pos] == '/' || s[Pos] == '_')) Pos++;
            var name = s[start..Pos];
            if (name.Length == 0) throw Error($"property expected at position {start}.");
            if (name.StartsWith("onPremisesExtensionAttributes/", StringComparison.OrdinalIgnoreCase))
            {
                var attr = name["onPremisesExtensionAttributes/".Length..];
                if (attr.StartsWith("extensionAttribute", StringComparison.OrdinalIgnoreCase)
                    && int.TryParse(attr["extensionAttribute".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n is >= 1 and <= 15)
                    return "onPremisesExtensionAttributes/extensionAttribute" + n.ToString(CultureInfo.InvariantCulture);
                throw new GraphError(400, "BadRequest", $"Could not find a property named '{attr}' on type 'microsoft.graph.onPremisesExtensionAttributes'.");
            }
            if (Props.TryGetValue(name, out var canonical)) return canonical;
            throw new GraphError(400, "BadRequest", $"Could not find a property named '{name}' on type 'microsoft.graph.user'.");
        }

        private object? ParseLiteral()
        {
            SkipWs();
            if (Pos < s.Length && s[Pos] == '\'')
            {
                var sb = new StringBuilder();
                Pos++;
                while (true)
                {
                    if (Pos >= s.Length) throw Error("unterminated string literal.");
                    if (s[Pos] == '\'')
                    {
                        if (Pos + 1 < s.Length && s[Pos + 1] == '\'') { sb.Append('\''); Pos += 2; continue; }
                        Pos++;
                        break;
                    }
                    sb.Append(s[Pos++]);
                }
                return sb.ToString();
            }
            if (Keyword("null")) return null;
            if (Keyword("true")) return true;
            if (Keyword("false")) return false;
            int start = Pos;
            while (Pos < s.Length && (char.IsLetterOrDigit(s[Pos]) || s[Pos] == '-')) Pos++;
            var tok = s[start..Pos];
            if (Guid.TryParse(tok, out var g)) return g.ToString();
            throw Error($"literal expected at position {start}.");
        }
    }
}
