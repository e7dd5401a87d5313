using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;

namespace MfaPhone.HelpGen;

/// <summary>
/// mfaphone-helpgen --assembly MfaPhone.dll --help-dir module/help --out en-US/MfaPhone.dll-Help.xml [--strict]
/// Writes MAML for every public cmdlet of the assembly. Missing prose is reported on stderr
/// (the module tests fail on it, naming what to add); --strict makes it an error here too.
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        string? assemblyPath = null, helpDir = null, output = null;
        bool strict = false;
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--assembly": assemblyPath = Next(); break;
                case "--help-dir": helpDir = Next(); break;
                case "--out": output = Next(); break;
                case "--strict": strict = true; break;
                default:
                    Console.Error.WriteLine($"mfaphone-helpgen: unknown argument '{args[i]}'.");
                    return Usage();
            }
        }

        if (assemblyPath == null || helpDir == null || output == null)
        {
            return Usage();
        }

        try
        {
            Assembly assembly = Assembly.LoadFrom(Path.GetFullPath(assemblyPath));
            List<CommandModel> commands = CommandModel.ReadAll(assembly);
            var problems = new List<string>();
            var withProse = new List<(CommandModel, HelpMarkdown?)>();
            foreach (CommandModel command in commands)
            {
                string md = Path.Combine(helpDir, command.Name + ".md");
                HelpMarkdown? prose = File.Exists(md) ? HelpMarkdown.Read(md) : null;
                problems.AddRange(Check(command, prose, md));
                withProse.Add((command, prose));
            }

            MamlWriter.Write(output, withProse);
            foreach (string p in problems)
            {
                Console.Error.WriteLine((strict ? "error: " : "warning: ") + p);
            }

            Console.WriteLine($"mfaphone-helpgen: {commands.Count} cmdlets -> {output}");
            return strict && problems.Count > 0 ? 1 : 0;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or BadImageFormatException
                                       or ReflectionTypeLoadException or ArgumentException)
        {
            Console.Error.WriteLine("mfaphone-helpgen: " + ex.Message);
            return 2;
        }
    }

    private static int Usage()
    {
        Console.Error.WriteLine("usage: mfaphone-helpgen --assembly <MfaPhone.dll> --help-dir <module/help> --out <MfaPhone.dll-Help.xml> [--strict]");
        return 2;
    }

    /// <summary>What the prose of one cmdlet lacks, each naming the file and the section to add.</summary>
    private static IEnumerable<string> Check(CommandModel command, HelpMarkdown? prose, string md)
    {
        if (prose == null)
        {
            yield return $"{command.Name}: no help prose; write {md} (see COMMON.md for the sections).";
            yield break;
        }

        foreach (string p in prose.Problems)
        {
            yield return $"{md}: {p}";
        }

        if (!string.Equals(prose.Title, command.Name, StringComparison.OrdinalIgnoreCase))
        {
            yield return $"{md}: the first line should be '# {command.Name}'.";
        }

        if (prose.Synopsis.Count == 0) yield return $"{md}: add a '## SYNOPSIS' paragraph.";
        if (prose.Description.Count == 0) yield return $"{md}: add a '## DESCRIPTION'.";
        if (prose.Inputs.Count == 0) yield return $"{md}: add '## INPUTS' ('### None' when nothing is piped in).";
        if (prose.Outputs.Count == 0) yield return $"{md}: add '## OUTPUTS' ('### None' when nothing is written).";
        if (prose.Examples.Count < 2) yield return $"{md}: add examples under '## EXAMPLES' (at least two).";
        if (prose.Links.Count == 0) yield return $"{md}: add '## RELATED LINKS' ('- Name' lines).";
        foreach (ParameterModel p in command.Parameters.Where(p => !p.IsOptionalCommon))
        {
            if (!prose.Parameters.TryGetValue(p.Name, out ParameterProse? text) || text.Description.Count == 0)
            {
                yield return $"{md}: add a '### -{p.Name}' section under '## PARAMETERS'.";
            }
        }

        foreach (string name in prose.Parameters.Keys)
        {
            if (!command.Parameters.Any(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)))
            {
                yield return $"{md}: '### -{name}' documents a parameter {command.Name} does not have; remove it.";
            }
        }
    }
}
