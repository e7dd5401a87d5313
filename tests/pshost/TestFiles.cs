using System.Text;

namespace MfaPhone.PsHost.Tests;

/// <summary>A temporary folder for scripts and modules, removed at dispose.</summary>
public sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = Directory.CreateTempSubdirectory("mfaphone-pshost-test-").FullName;
    }

    public string Path { get; }

    /// <summary>Writes a UTF-8 (no BOM) file under the folder and returns its full path.</summary>
    public string Write(string relative, string content)
    {
        string full = System.IO.Path.Combine(Path, relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        File.WriteAllText(full, content.Replace("\r\n", "\n", StringComparison.Ordinal), new UTF8Encoding(false));
        return full;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

internal static class Lines
{
    /// <summary>The non-blank lines of a text, right-trimmed.</summary>
    public static List<string> Of(string text) =>
        text.Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0).ToList();

    /// <summary>Single-quoted PowerShell literal.</summary>
    public static string Quote(string s) => "'" + s.Replace("'", "''", StringComparison.Ordinal) + "'";
}
