using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Reflection;

namespace MfaPhone.HelpGen;

/// <summary>One parameter as it appears in one parameter set.</summary>
internal sealed record SetParameter(string Name, bool Mandatory, int Position, bool ByValue, bool ByPropertyName)
{
    public bool IsPositional => Position != int.MinValue;
}

internal sealed record ParameterSetModel(string Name, bool IsDefault, List<SetParameter> Parameters);

/// <summary>A parameter's facts that do not depend on the parameter set.</summary>
internal sealed record ParameterModel(
    string Name,
    Type Type,
    IReadOnlyList<string> Aliases,
    string[]? ValidValues,
    string? Range,
    bool SupportsWildcards,
    string? CodeDefault,
    bool IsOptionalCommon)
{
    public bool IsSwitch => Type == typeof(SwitchParameter);
}

/// <summary>
/// A cmdlet as PowerShell itself sees it: the cmdlet type is registered in a runspace and its
/// parameter sets are read from Get-Command, so syntax, positions, aliases and mandatory flags are
/// exactly what binding uses.
/// </summary>
internal sealed class CommandModel
{
    public required string Name { get; init; }

    public required string Verb { get; init; }

    public required string Noun { get; init; }

    public required Type ImplementingType { get; init; }

    public required List<ParameterSetModel> Sets { get; init; }

    /// <summary>Every parameter in declaration order (WhatIf/Confirm last).</summary>
    public required List<ParameterModel> Parameters { get; init; }

    public required List<Type> OutputTypes { get; init; }

    /// <summary>Reads every public cmdlet of <paramref name="assembly"/>, sorted by name.</summary>
    public static List<CommandModel> ReadAll(Assembly assembly)
    {
        var types = assembly.GetExportedTypes()
            .Where(t => !t.IsAbstract && typeof(Cmdlet).IsAssignableFrom(t) && t.GetCustomAttribute<CmdletAttribute>() != null)
            .ToList();
        var iss = InitialSessionState.CreateDefault2();
        foreach (Type t in types)
        {
            CmdletAttribute a = t.GetCustomAttribute<CmdletAttribute>()!;
            iss.Commands.Add(new SessionStateCmdletEntry(a.VerbName + "-" + a.NounName, t, helpFileName: null));
        }

        using Runspace runspace = RunspaceFactory.CreateRunspace(iss);
        runspace.Open();
        var models = new List<CommandModel>();
        foreach (Type t in types)
        {
            CmdletAttribute a = t.GetCustomAttribute<CmdletAttribute>()!;
            string name = a.VerbName + "-" + a.NounName;
            using PowerShell ps = PowerShell.Create();
            ps.Runspace = runspace;
            var info = (CmdletInfo)ps.AddCommand("Get-Command").AddParameter("Name", name).Invoke()[0].BaseObject;
            models.Add(FromCmdletInfo(info, t, a));
        }

        return models.OrderBy(m => m.Name, StringComparer.OrdinalIgnoreCase).ToList();
    }

    private static CommandModel FromCmdletInfo(CmdletInfo info, Type type, CmdletAttribute attribute)
    {
        var optionalCommon = new HashSet<string>(new[] { "WhatIf", "Confirm" }, StringComparer.OrdinalIgnoreCase);
        bool Documented(string name) => !Cmdlet.CommonParameters.Contains(name) &&
                                        (!Cmdlet.OptionalCommonParameters.Contains(name) || optionalCommon.Contains(name));

        // Declaration order of the cmdlet's own properties (most-derived class first, as declared).
        var order = new List<string>();
        for (Type? t = type; t != null && t != typeof(PSCmdlet) && t != typeof(Cmdlet); t = t.BaseType)
        {
            foreach (PropertyInfo p in t.GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
                         .OrderBy(p => p.MetadataToken))
            {
                if (!order.Contains(p.Name))
                {
                    order.Add(p.Name);
                }
            }
        }

        int Rank(string name)
        {
            if (optionalCommon.Contains(name))
            {
                return 10000 + (name.Equals("WhatIf", StringComparison.OrdinalIgnoreCase) ? 0 : 1);
            }

            int i = order.IndexOf(name);
            return i < 0 ? 5000 : i;
        }

        object? instance = null;
        try
        {
            instance = Activator.CreateInstance(type);
        }
        catch (Exception ex) when (ex is TargetInvocationException or MissingMethodException or MemberAccessException)
        {
            // No defaults from code then; the markdown may still give them.
        }

        var parameters = new Dictionary<string, ParameterModel>(StringComparer.OrdinalIgnoreCase);
        var sets = new List<ParameterSetModel>();
        foreach (CommandParameterSetInfo set in info.ParameterSets)
        {
            var inSet = new List<SetParameter>();
            foreach (CommandParameterInfo p in set.Parameters.Where(p => Documented(p.Name)))
            {
                inSet.Add(new SetParameter(p.Name, p.IsMandatory, p.Position, p.ValueFromPipeline, p.ValueFromPipelineByPropertyName));
                if (!parameters.ContainsKey(p.Name))
                {
                    parameters[p.Name] = Describe(p, type, instance, optionalCommon.Contains(p.Name));
                }
            }

            sets.Add(new ParameterSetModel(set.Name, set.IsDefault, SyntaxOrder(inSet, Rank)));
        }

        // The default set first, the others as declared.
        sets = sets.OrderBy(s => s.IsDefault ? 0 : 1).ToList();
        return new CommandModel
        {
            Name = info.Name,
            Verb = attribute.VerbName,
            Noun = attribute.NounName,
            ImplementingType = type,
            Sets = sets,
            Parameters = parameters.Values.OrderBy(p => Rank(p.Name)).ToList(),
            OutputTypes = type.GetCustomAttributes<OutputTypeAttribute>()
                .SelectMany(o => o.Type).Select(t => t.Type).Where(t => t != null && t != typeof(void)).Cast<Type>().ToList(),
        };
    }

    /// <summary>Positional parameters by position, then mandatory named ones, then the rest.</summary>
    private static List<SetParameter> SyntaxOrder(List<SetParameter> parameters, Func<string, int> rank) =>
        parameters
            .OrderBy(p => p.IsPositional ? 0 : p.Mandatory ? 1 : 2)
            .ThenBy(p => p.IsPositional ? p.Position : 0)
            .ThenBy(p => rank(p.Name))
            .ToList();

    private static ParameterModel Describe(CommandParameterInfo p, Type type, object? instance, bool optionalCommon)
    {
        string[]? validValues = p.Attributes.OfType<ValidateSetAttribute>().FirstOrDefault()?.ValidValues.ToArray();
        if (validValues == null)
        {
            Type element = p.ParameterType.IsArray ? p.ParameterType.GetElementType()! : p.ParameterType;
            element = Nullable.GetUnderlyingType(element) ?? element;
            if (element.IsEnum)
            {
                validValues = Enum.GetNames(element);
            }
        }

        ValidateRangeAttribute? range = p.Attributes.OfType<ValidateRangeAttribute>().FirstOrDefault();
        return new ParameterModel(
            p.Name,
            p.ParameterType,
            p.Aliases.ToList(),
            validValues,
            range?.MinRange != null && range.MaxRange != null ? $"{range.MinRange} to {range.MaxRange}" : null,
            p.Attributes.OfType<SupportsWildcardsAttribute>().Any(),
            optionalCommon ? null : CodeDefault(type, instance, p.Name),
            optionalCommon);
    }

    /// <summary>The value a fresh cmdlet instance holds, when it is not the type's own default.</summary>
    private static string? CodeDefault(Type type, object? instance, string name)
    {
        PropertyInfo? property = instance == null ? null : type.GetProperty(name, BindingFlags.Public | BindingFlags.Instance);
        if (property == null || property.PropertyType == typeof(SwitchParameter))
        {
            return null;
        }

        object? value;
        try
        {
            value = property.GetValue(instance);
        }
        catch (TargetInvocationException)
        {
            return null;
        }

        if (value == null || (value is Array a && a.Length == 0) || (value is string s && s.Length == 0))
        {
            return null;
        }

        Type t = property.PropertyType;
        if (t.IsValueType && Equals(value, Activator.CreateInstance(t)))
        {
            return null;
        }

        return value is Array array ? string.Join(", ", array.Cast<object>()) : Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture);
    }
}
