using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;

namespace MfaPhone.HelpGen;

/// <summary>A run of text in a help section: a paragraph, a list item or a fenced code block.</summary>
internal sealed record Block(string Text, bool IsCode, string Language = "");

internal sealed record ParameterProse(string Name, List<Block> Description, string? DefaultValue);

internal sealed record TypeProse(string TypeName, List<Block> Description);

internal sealed record ExampleProse(string Title, string Code, List<Block> Remarks);

internal sealed record LinkProse(string Text, string Uri);

/// <summary>
/// The prose of one cmdlet, read from module/help/&lt;Verb-Noun&gt;.md (platyPS-like):
/// <code>
/// # Verb-Noun
/// ## SYNOPSIS            one paragraph
/// ## DESCRIPTION         paragraphs, lists, code blocks
/// ## PARAMETERS
/// ### -Name              paragraphs; a line "Default value: x" sets the default shown
/// ## INPUTS / ## OUTPUTS "### TypeName" + paragraphs (or a first line naming the type)
/// ## NOTES               paragraphs
/// ## EXAMPLES
/// ### Example 1: title   a ```powershell block, then the explanation
/// ## RELATED LINKS       "- Name" or "- [Name](uri)" lines
/// </code>
/// </summary>
internal sealed class HelpMarkdown
{
    private static readonly Regex DefaultLine = new(@"^\s*Default value:\s*(.*?)\s*$", RegexOptions.IgnoreCase);
    private static readonly Regex ExampleHeading = new(@"^Example\s+\d+\s*[:.-]?\s*(.*)$", RegexOptions.IgnoreCase);
    private static readonly Regex LinkLine = new(@"^\s*[-*]\s+(?:\[(?<text>[^\]]+)\]\((?<uri>[^)]*)\)|(?<text>.+?))\s*$");

    public string Path { get; }

    public string? Title { get; private set; }

    public List<Block> Synopsis { get; } = new();

    public List<Block> Description { get; } = new();

    public Dictionary<string, ParameterProse> Parameters { get; } = new(StringComparer.OrdinalIgnoreCase);

    public List<TypeProse> Inputs { get; } = new();

    public List<TypeProse> Outputs { get; } = new();

    public List<Block> Notes { get; } = new();

    public List<ExampleProse> Examples { get; } = new();

    public List<LinkProse> Links { get; } = new();

    /// <summary>Problems found while reading (unknown sections, an example without code, ...).</summary>
    public List<string> Problems { get; } = new();

    private HelpMarkdown(string path)
    {
        Path = path;
    }

    public static HelpMarkdown Read(string path)
    {
        var help = new HelpMarkdown(path);
        help.Parse(File.ReadAllLines(path));
        return help;
    }

    private void Parse(string[] lines)
    {
        string? section = null;
        string? sub = null;
        var body = new List<string>();

        void Flush()
        {
            if (section != null)
            {
                Store(section, sub, body);
            }

            body.Clear();
        }

        bool inFence = false;
        foreach (string raw in lines)
        {
            string line = raw.TrimEnd();
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                inFence = !inFence;
                body.Add(line);
                continue;
            }

            if (!inFence && line.StartsWith("# ", StringComparison.Ordinal))
            {
                Flush();
                Title = line.Substring(2).Trim();
                section = null;
                sub = null;
                continue;
            }

            if (!inFence && line.StartsWith("## ", StringComparison.Ordinal))
            {
                Flush();
                section = line.Substring(3).Trim().ToUpperInvariant();
                sub = null;
                continue;
            }

            if (!inFence && line.StartsWith("### ", StringComparison.Ordinal))
            {
                Flush();
                sub = line.Substring(4).Trim();
                continue;
            }

            body.Add(line);
        }

        Flush();
    }

    private void Store(string section, string? sub, List<string> body)
    {
        List<Block> blocks = Blocks(body);
        switch (section)
        {
            case "SYNOPSIS":
                Synopsis.AddRange(blocks);
                break;
            case "DESCRIPTION":
                Description.AddRange(blocks);
                break;
            case "NOTES":
                Notes.AddRange(blocks);
                break;
            case "PARAMETERS":
                if (sub == null)
                {
                    break; // text between "## PARAMETERS" and the first "### -Name"
                }

                if (!sub.StartsWith("-", StringComparison.Ordinal))
                {
                    Problems.Add($"PARAMETERS: the heading '### {sub}' should be '### -ParameterName'.");
                    break;
                }

                string? defaultValue = null;
                var kept = new List<Block>();
                foreach (Block b in blocks)
                {
                    Match m = b.IsCode ? Match.Empty : DefaultLine.Match(b.Text);
                    if (m.Success)
                    {
                        defaultValue = Inline(m.Groups[1].Value);
                    }
                    else
                    {
                        kept.Add(b);
                    }
                }

                string name = sub.Substring(1).Trim();
                Parameters[name] = new ParameterProse(name, kept, defaultValue);
                break;
            case "INPUTS":
            case "OUTPUTS":
                List<TypeProse> target = section == "INPUTS" ? Inputs : Outputs;
                if (sub != null)
                {
                    target.Add(new TypeProse(Inline(sub), blocks));
                }
                else if (blocks.Count > 0)
                {
                    // No "### Type" heading: the first paragraph names the type, the rest describes it.
                    target.Add(new TypeProse(blocks[0].Text, blocks.Skip(1).ToList()));
                }

                break;
            case "EXAMPLES":
                if (sub == null)
                {
                    break;
                }

                Match em = ExampleHeading.Match(sub);
                string title = em.Success && em.Groups[1].Value.Length > 0 ? em.Groups[1].Value : sub;
                Block? code = blocks.FirstOrDefault(b => b.IsCode);
                if (code == null)
                {
                    Problems.Add($"EXAMPLES: '### {sub}' has no ```powershell code block.");
                }

                Examples.Add(new ExampleProse(Inline(title), code?.Text ?? string.Empty,
                    blocks.Where(b => !ReferenceEquals(b, code)).ToList()));
                break;
            case "RELATED LINKS":
                foreach (string line in body)
                {
                    Match lm = LinkLine.Match(line);
                    if (lm.Success)
                    {
                        Links.Add(new LinkProse(Inline(lm.Groups["text"].Value), lm.Groups["uri"].Value.Trim()));
                    }
                }

                break;
            default:
                if (blocks.Count > 0)
                {
                    Problems.Add($"Unknown section '## {section}' (expected SYNOPSIS, DESCRIPTION, PARAMETERS, INPUTS, OUTPUTS, NOTES, EXAMPLES, RELATED LINKS).");
                }

                break;
        }
    }

    /// <summary>Paragraphs (lines joined), list items (one block each) and fenced code blocks.</summary>
    private static List<Block> Blocks(List<string> lines)
    {
        var blocks = new List<Block>();
        var para = new StringBuilder();

        void EndPara()
        {
            if (para.Length > 0)
            {
                blocks.Add(new Block(Inline(para.ToString()), IsCode: false));
                para.Clear();
            }
        }

        for (int i = 0; i < lines.Count; i++)
        {
            string line = lines[i];
            string trimmed = line.Trim();
            if (trimmed.StartsWith("```", StringComparison.Ordinal))
            {
                EndPara();
                string language = trimmed.Substring(3).Trim();
                var code = new List<string>();
                for (i++; i < lines.Count && !lines[i].Trim().StartsWith("```", StringComparison.Ordinal); i++)
                {
                    code.Add(lines[i]);
                }

                blocks.Add(new Block(string.Join("\n", code), IsCode: true, language));
                continue;
            }

            if (trimmed.Length == 0)
            {
                EndPara();
                continue;
            }

            bool listItem = Regex.IsMatch(trimmed, @"^([-*]|\d+\.)\s+");
            if (listItem)
            {
                EndPara();
            }

            if (para.Length > 0)
            {
                para.Append(' ');
            }

            para.Append(trimmed);
            if (listItem && (i + 1 >= lines.Count || lines[i + 1].Trim().Length == 0 ||
                             Regex.IsMatch(lines[i + 1].Trim(), @"^([-*]|\d+\.)\s+")))
            {
                EndPara();
            }
        }

        EndPara();
        return blocks;
    }

    /// <summary>Inline markdown to plain text: `code`, **bold**, *em*, [text](uri), \-escapes.</summary>
    public static string Inline(string text)
    {
        text = Regex.Replace(text, @"\[([^\]]+)\]\(([^)]+)\)", m =>
            m.Groups[1].Value == m.Groups[2].Value ? m.Groups[1].Value : $"{m.Groups[1].Value} ({m.Groups[2].Value})");
        text = Regex.Replace(text, @"`([^`]*)`", "$1");
        text = Regex.Replace(text, @"\*\*([^*]+)\*\*", "$1");
        text = Regex.Replace(text, @"(?<![\w*])\*([^*\s][^*]*)\*(?![\w*])", "$1");
        text = Regex.Replace(text, @"\\([\\`*_{}\[\]()#+\-.!<>])", "$1");
        return text.Trim();
    }
}
