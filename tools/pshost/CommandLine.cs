using System;
using System.Collections.Generic;
using System.Management.Automation.Runspaces;

namespace MfaPhone.PsHost;

/// <summary>What the command line asked for.</summary>
internal enum RunMode
{
    /// <summary>No -Command and no -File: nothing to run (pwsh would start a REPL; this host does not have one).</summary>
    None,
    Command,
    File,
    Help,
}

/// <summary>
/// The parsed command line. Parsing follows pwsh's CommandLineParameterParser closely enough for
/// the ways the project calls pwsh: parameter names are case-insensitive and may be abbreviated
/// to any unambiguous prefix (<c>-c</c>, <c>-nop</c>, <c>-noni</c>, <c>-ex</c>), <c>-Command</c>
/// takes every remaining argument (joined with spaces), <c>-File</c> takes the script path and
/// passes every remaining argument to the script.
/// </summary>
internal sealed class CommandLine
{
    public RunMode Mode { get; private set; } = RunMode.None;

    /// <summary>The -Command text (already joined), or "-" to read the command from stdin.</summary>
    public string? Command { get; private set; }

    /// <summary>The -File path as given.</summary>
    public string? File { get; private set; }

    /// <summary>Arguments for the -File script, bound the way pwsh binds them.</summary>
    public List<CommandParameter> FileArguments { get; } = new();

    /// <summary>-NoProfile was given (accepted; profiles are never run anyway).</summary>
    public bool NoProfile { get; private set; }

    /// <summary>-NonInteractive was given: prompts fail instead of reading stdin.</summary>
    public bool NonInteractive { get; private set; }

    /// <summary>-ExecutionPolicy value (accepted; Unrestricted is used on Windows regardless).</summary>
    public string? ExecutionPolicy { get; private set; }

    /// <summary>Set when parsing failed; the host prints it and exits with 64.</summary>
    public string? Error { get; private set; }

    // pwsh's parameter names. Short forms pwsh defines (-c, -f, -ep/-ex, -nop, -noni, -e/-ec ...)
    // are resolved first; any other prefix must match exactly one name. The last five are pwsh
    // parameters this host recognises but does not support (reported as such, exit 64).
    private static readonly string[] KnownParameters =
    {
        "Command", "File", "NoProfile", "NonInteractive", "ExecutionPolicy", "Help",
        "NoLogo", "NoExit", "InputFormat", "OutputFormat", "WorkingDirectory", "EncodedCommand",
    };

    private static string? Resolve(string name)
    {
        // pwsh's exact short aliases.
        switch (name.ToLowerInvariant())
        {
            case "c": return "Command";
            case "f": return "File";
            case "ep": return "ExecutionPolicy";
            case "ex": return "ExecutionPolicy";
            case "wd": return "WorkingDirectory";
            case "h":
            case "?":
                return "Help";
            case "e":
            case "ec":
                return "EncodedCommand";
            case "nop": return "NoProfile";
            case "noni": return "NonInteractive";
            case "nol": return "NoLogo";
        }

        string? found = null;
        foreach (string p in KnownParameters)
        {
            if (p.StartsWith(name, StringComparison.OrdinalIgnoreCase))
            {
                if (found != null)
                {
                    return null; // ambiguous
                }

                found = p;
            }
        }

        return found;
    }

    private static bool IsDash(char c) => c is '-' or '\u2013' or '\u2014' or '\u2015';

    public static CommandLine Parse(IReadOnlyList<string> args)
    {
        var cl = new CommandLine();
        int i = 0;
        while (i < args.Count)
        {
            string arg = args[i];
            if (arg.Length == 0)
            {
                i++;
                continue;
            }

            if (arg == "--")
            {
                // pwsh treats "--" as "the rest is a file and its arguments".
                i++;
                if (i < args.Count)
                {
                    cl.TakeFile(args, ref i);
                }

                break;
            }

            // pwsh accepts /Option only on Windows, where paths do not start with '/'.
            if (!IsDash(arg[0]) && !(arg[0] == '/' && OperatingSystem.IsWindows()))
            {
                // First positional argument: pwsh 6+ treats it as -File.
                cl.TakeFile(args, ref i);
                break;
            }

            if (arg.Length == 1 && IsDash(arg[0]))
            {
                cl.Error = "A lone '-' is not supported; use -Command - to read the command from stdin.";
                return cl;
            }

            string name = arg.Substring(1);
            if (name.Length > 0 && IsDash(name[0]))
            {
                name = name.Substring(1); // accept --option too
            }

            string? value = null;
            int colon = name.IndexOf(':');
            if (colon > 0)
            {
                value = name.Substring(colon + 1);
                name = name.Substring(0, colon);
            }

            string? resolved = Resolve(name);
            switch (resolved)
            {
                case "Help":
                    cl.Mode = RunMode.Help;
                    return cl;

                case "NoProfile":
                    cl.NoProfile = true;
                    i++;
                    break;

                case "NonInteractive":
                    cl.NonInteractive = true;
                    i++;
                    break;

                case "NoLogo":
                    i++;
                    break;

                case "ExecutionPolicy":
                    if (value == null)
                    {
                        if (i + 1 >= args.Count)
                        {
                            cl.Error = "Missing value for -ExecutionPolicy.";
                            return cl;
                        }

                        value = args[++i];
                    }

                    cl.ExecutionPolicy = value;
                    i++;
                    break;

                case "Command":
                    if (cl.Mode == RunMode.File)
                    {
                        cl.Error = "Cannot use -Command together with -File.";
                        return cl;
                    }

                    i++;
                    if (value != null)
                    {
                        cl.Command = value;
                    }
                    else if (i >= args.Count)
                    {
                        cl.Error = "Missing value for -Command.";
                        return cl;
                    }
                    else
                    {
                        // Everything after -Command is the command text, as in pwsh.
                        cl.Command = string.Join(" ", Slice(args, i));
                    }

                    cl.Mode = RunMode.Command;
                    return cl;

                case "File":
                    i++;
                    if (value != null)
                    {
                        cl.File = value;
                        cl.Mode = RunMode.File;
                        cl.CollectScriptArguments(args, i);
                        return cl;
                    }

                    if (i >= args.Count)
                    {
                        cl.Error = "Missing value for -File.";
                        return cl;
                    }

                    cl.TakeFile(args, ref i);
                    return cl;

                case null:
                    cl.Error = $"Unknown or ambiguous option '{arg}'.";
                    return cl;

                default:
                    cl.Error = $"Option '-{resolved}' is not supported by this host.";
                    return cl;
            }
        }

        return cl;
    }

    private static IEnumerable<string> Slice(IReadOnlyList<string> args, int from)
    {
        for (int k = from; k < args.Count; k++)
        {
            yield return args[k];
        }
    }

    private void TakeFile(IReadOnlyList<string> args, ref int i)
    {
        if (Mode == RunMode.Command)
        {
            Error = "Cannot use -File together with -Command.";
            return;
        }

        File = args[i];
        Mode = RunMode.File;
        CollectScriptArguments(args, i + 1);
        i = args.Count;
    }

    /// <summary>
    /// Turns the arguments after the script path into parameters the way pwsh does:
    /// <c>-Name value</c> → a parameter name followed by a positional value (the binder pairs
    /// them), <c>-Name:value</c> → a named parameter ($true/$false/true/false become booleans),
    /// <c>-Name:</c> → the next argument is the value, anything else → a positional argument.
    /// </summary>
    private void CollectScriptArguments(IReadOnlyList<string> args, int from)
    {
        string? pending = null;
        for (int k = from; k < args.Count; k++)
        {
            string arg = args[k];
            if (pending != null)
            {
                FileArguments.Add(new CommandParameter(pending, arg));
                pending = null;
            }
            else if (arg.Length > 1 && IsDash(arg[0]))
            {
                int colon = arg.IndexOf(':');
                if (colon >= 0)
                {
                    if (colon == arg.Length - 1)
                    {
                        pending = arg.Substring(1, colon - 1);
                    }
                    else
                    {
                        FileArguments.Add(new CommandParameter(arg.Substring(1, colon - 1), BoolIfPossible(arg.Substring(colon + 1))));
                    }
                }
                else
                {
                    FileArguments.Add(new CommandParameter(arg));
                }
            }
            else
            {
                FileArguments.Add(new CommandParameter(null, arg));
            }
        }

        if (pending != null)
        {
            FileArguments.Add(new CommandParameter(pending));
        }
    }

    private static object BoolIfPossible(string text)
    {
        string t = text.Length > 0 && text[0] == '$' ? text.Substring(1) : text;
        return bool.TryParse(t, out bool b) ? b : text;
    }

    public const string Usage =
@"mfaphone-pwsh - a minimal PowerShell host (System.Management.Automation 7.6.9)
that behaves like 'pwsh -NoProfile -NonInteractive'.

Usage:
  mfaphone-pwsh [-NoProfile] [-NonInteractive] [-ExecutionPolicy <policy>] -Command <text...>
  mfaphone-pwsh [-NoProfile] [-NonInteractive] [-ExecutionPolicy <policy>] -File <script.ps1> [args...]
  mfaphone-pwsh -Help

  -Command, -c   Run the text (all remaining arguments, joined by spaces). '-' reads it from stdin.
  -File, -f      Run a script; remaining arguments are bound to its parameters
                 (-Name value, -Name:value, -Switch, positional values).
  -NoProfile     Accepted; profiles are never loaded.
  -NonInteractive
                 Read-Host and other prompts fail instead of reading from the terminal/stdin.
  -ExecutionPolicy <policy>
                 Accepted (Unrestricted is always used on Windows; no-op elsewhere).
  -Help, -h, -?  Show this text.

Exit codes: 'exit N' -> N; uncaught terminating error or parse error -> 1;
-Command whose last statement failed ($? false) -> 1; Ctrl+C -> 130; bad command line -> 64.
";
}
