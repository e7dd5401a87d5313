using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Globalization;
using System.IO;
using System.Management.Automation;
using System.Text;

// Import-Csv and ConvertFrom-Csv, as in Microsoft.PowerShell.Utility: each data row becomes a
// PSCustomObject whose note properties are named by the header row (or -Header), so CSV rows bind
// to cmdlet parameters by property name (`Import-Csv users.csv | Get-MfaPhone`).
// Format: RFC 4180 (quoted fields with doubled quotes, delimiters and line breaks inside quotes),
// a "#TYPE Name" first line adds the type name "CSV:Name", blank lines are skipped, missing values
// are $null and values beyond the header are dropped, as pwsh does.
namespace MfaPhone.PsHost.Compat;

/// <summary>The CSV reading shared by Import-Csv and ConvertFrom-Csv.</summary>
internal sealed class CsvReader
{
    private readonly PSCmdlet _cmdlet;
    private readonly char _delimiter;
    private string[]? _header;
    private string? _typeName;
    private bool _firstLine = true;

    public CsvReader(PSCmdlet cmdlet, char delimiter, string[]? header)
    {
        _cmdlet = cmdlet;
        _delimiter = delimiter;
        if (header != null)
        {
            _header = CheckHeader(header);
        }
    }

    /// <summary>The delimiter for -Delimiter / -UseCulture (the culture's list separator) / default comma.</summary>
    public static char DelimiterFor(PSCmdlet cmdlet, char delimiter, bool useCulture)
    {
        if (useCulture)
        {
            string separator = CultureInfo.CurrentCulture.TextInfo.ListSeparator;
            return string.IsNullOrEmpty(separator) ? ',' : separator[0];
        }

        return cmdlet.MyInvocation.BoundParameters.ContainsKey("Delimiter") ? delimiter : ',';
    }

    /// <summary>Reads every record of <paramref name="reader"/> and writes one object per data row.</summary>
    public void Read(TextReader reader)
    {
        List<string>? fields;
        while ((fields = NextRecord(reader)) != null)
        {
            if (_firstLine)
            {
                _firstLine = false;
                if (fields.Count == 1 && fields[0].StartsWith("#TYPE", StringComparison.OrdinalIgnoreCase))
                {
                    string name = fields[0].Substring(5).Trim();
                    _typeName = name.Length > 0 ? "CSV:" + name : null;
                    continue;
                }
            }

            if (_header == null)
            {
                _header = CheckHeader(fields.ToArray());
                continue;
            }

            _cmdlet.WriteObject(ToObject(fields));
        }
    }

    private PSObject ToObject(List<string> fields)
    {
        var obj = new PSObject();
        if (_typeName != null)
        {
            obj.TypeNames.Insert(0, _typeName);
        }

        for (int i = 0; i < _header!.Length; i++)
        {
            obj.Properties.Add(new PSNoteProperty(_header[i], i < fields.Count ? fields[i] : null));
        }

        return obj;
    }

    private string[] CheckHeader(string[] header)
    {
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < header.Length; i++)
        {
            if (string.IsNullOrEmpty(header[i]))
            {
                // pwsh names an empty column H1, H2, ... by its position.
                header[i] = "H" + (i + 1).ToString(CultureInfo.InvariantCulture);
            }

            if (!seen.Add(header[i]))
            {
                _cmdlet.ThrowTerminatingError(new ErrorRecord(
                    new ArgumentException($"The member \"{header[i]}\" is already present. Give each column a different name (or use -Header)."),
                    "AlreadyPresentPSMemberInfoInternalCollectionAdd", ErrorCategory.InvalidData, header[i]));
            }
        }

        return header;
    }

    /// <summary>
    /// The fields of the next non-blank record, or null at the end. A quoted field may hold the
    /// delimiter, doubled quotes and line breaks; text after a closing quote is kept, as pwsh does.
    /// </summary>
    private List<string>? NextRecord(TextReader reader)
    {
        for (;;)
        {
            int c = reader.Peek();
            if (c < 0)
            {
                return null;
            }

            if (c == '\r' || c == '\n')
            {
                reader.Read();
                continue; // a blank line
            }

            break;
        }

        var fields = new List<string>();
        var field = new StringBuilder();
        bool inQuotes = false;
        for (;;)
        {
            int c = reader.Read();
            if (c < 0)
            {
                fields.Add(field.ToString());
                return fields;
            }

            char ch = (char)c;
            if (inQuotes)
            {
                if (ch == '"')
                {
                    if (reader.Peek() == '"')
                    {
                        reader.Read();
                        field.Append('"');
                    }
                    else
                    {
                        inQuotes = false;
                    }
                }
                else
                {
                    field.Append(ch);
                }

                continue;
            }

            if (ch == '"')
            {
                inQuotes = true;
            }
            else if (ch == _delimiter)
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else if (ch == '\r' || ch == '\n')
            {
                if (ch == '\r' && reader.Peek() == '\n')
                {
                    reader.Read();
                }

                fields.Add(field.ToString());
                return fields;
            }
            else
            {
                field.Append(ch);
            }
        }
    }
}

/// <summary>Import-Csv: reads CSV files into objects.</summary>
[Cmdlet(VerbsData.Import, "Csv", DefaultParameterSetName = "DelimiterPath")]
[OutputType(typeof(PSObject))]
public sealed class ImportCsvCommand : PSCmdlet
{
    [Parameter(Position = 0, ParameterSetName = "DelimiterPath", Mandatory = true, ValueFromPipeline = true)]
    [Parameter(Position = 0, ParameterSetName = "CulturePath", Mandatory = true, ValueFromPipeline = true)]
    public string[]? Path { get; set; }

    [Parameter(ParameterSetName = "DelimiterLiteralPath", Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = "CultureLiteralPath", Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "LP")]
    public string[]? LiteralPath { get; set; }

    [Parameter(Position = 1, ParameterSetName = "DelimiterPath")]
    [Parameter(Position = 1, ParameterSetName = "DelimiterLiteralPath")]
    [ValidateNotNull]
    public char Delimiter { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = "CulturePath")]
    [Parameter(Mandatory = true, ParameterSetName = "CultureLiteralPath")]
    public SwitchParameter UseCulture { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? Header { get; set; }

    /// <summary>utf8 (default; a BOM is honoured), utf8BOM, utf8NoBOM, unicode, bigendianunicode, utf32, ascii, latin1, or a code page.</summary>
    [Parameter]
    public string? Encoding { get; set; }

    protected override void ProcessRecord()
    {
        char delimiter = CsvReader.DelimiterFor(this, Delimiter, UseCulture);
        Encoding encoding = EncodingFor(Encoding);
        foreach (string file in ResolvePaths())
        {
            // A fresh reader per file: each file has its own header line.
            var csv = new CsvReader(this, delimiter, Header == null ? null : (string[])Header.Clone());
            try
            {
                using var reader = new StreamReader(file, encoding, detectEncodingFromByteOrderMarks: true);
                csv.Read(reader);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                WriteError(new ErrorRecord(ex, "FileOpenFailure,Microsoft.PowerShell.Commands.ImportCsvCommand",
                    ErrorCategory.OpenError, file));
            }
        }
    }

    private IEnumerable<string> ResolvePaths()
    {
        if (LiteralPath != null)
        {
            foreach (string p in LiteralPath)
            {
                yield return GetUnresolvedProviderPathFromPSPath(p);
            }

            yield break;
        }

        foreach (string p in Path!)
        {
            Collection<string>? resolved = null;
            try
            {
                resolved = GetResolvedProviderPathFromPSPath(p, out _);
            }
            catch (ItemNotFoundException ex)
            {
                WriteError(new ErrorRecord(ex, "PathNotFound,Microsoft.PowerShell.Commands.ImportCsvCommand",
                    ErrorCategory.ObjectNotFound, p));
            }

            if (resolved == null)
            {
                continue;
            }

            foreach (string r in resolved)
            {
                yield return r;
            }
        }
    }

    private Encoding EncodingFor(string? name)
    {
        switch ((name ?? "utf8").ToLowerInvariant())
        {
            case "utf8":
            case "utf8bom":
            case "utf8nobom":
            case "default":
            case "oem":
                return new UTF8Encoding(false);
            case "unicode":
                return System.Text.Encoding.Unicode;
            case "bigendianunicode":
                return System.Text.Encoding.BigEndianUnicode;
            case "utf32":
                return System.Text.Encoding.UTF32;
            case "ascii":
                return System.Text.Encoding.ASCII;
            case "latin1":
                return System.Text.Encoding.Latin1;
            default:
                try
                {
                    return int.TryParse(name, NumberStyles.Integer, CultureInfo.InvariantCulture, out int codePage)
                        ? System.Text.Encoding.GetEncoding(codePage)
                        : System.Text.Encoding.GetEncoding(name!);
                }
                catch (Exception ex) when (ex is ArgumentException or NotSupportedException)
                {
                    ThrowTerminatingError(new ErrorRecord(
                        new ArgumentException($"'{name}' is not a known encoding. Use utf8, unicode, bigendianunicode, utf32, ascii, latin1 or a code page number."),
                        "InvalidEncoding,Microsoft.PowerShell.Commands.ImportCsvCommand", ErrorCategory.InvalidArgument, name));
                    throw; // not reached
                }
        }
    }
}

/// <summary>ConvertFrom-Csv: turns CSV text (lines or whole strings) into objects.</summary>
[Cmdlet(VerbsData.ConvertFrom, "Csv", DefaultParameterSetName = "Delimiter")]
[OutputType(typeof(PSObject))]
public sealed class ConvertFromCsvCommand : PSCmdlet
{
    private CsvReader? _csv;

    [Parameter(Position = 0, Mandatory = true, ValueFromPipeline = true)]
    [ValidateNotNull]
    [AllowEmptyString]
    public PSObject[]? InputObject { get; set; }

    [Parameter(Position = 1, ParameterSetName = "Delimiter")]
    [ValidateNotNull]
    public char Delimiter { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = "UseCulture")]
    public SwitchParameter UseCulture { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? Header { get; set; }

    protected override void ProcessRecord()
    {
        // One reader for the whole pipeline: the first line read is the header for all.
        _csv ??= new CsvReader(this, CsvReader.DelimiterFor(this, Delimiter, UseCulture), Header);
        foreach (PSObject item in InputObject!)
        {
            string text = LanguagePrimitives.ConvertTo<string>(item) ?? string.Empty;
            using var reader = new StringReader(text);
            _csv.Read(reader);
        }
    }
}
