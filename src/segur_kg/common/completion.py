"""Shell completion for `segur-kg`, written from the argument parser itself so that it never
falls behind the commands."""

from __future__ import annotations

import argparse


def bash_script(parser: argparse.ArgumentParser) -> str:
    """A bash completion function: the commands first, then each command's options, the
    choices of an option after it, and file names elsewhere."""
    commands = _subcommands(parser)
    cases = []
    for name, sub in sorted(commands.items()):
        options, choices = [], []
        for action in sub._actions:
            options += [o for o in action.option_strings if o.startswith("--")]
            if action.choices and action.option_strings:
                for option in action.option_strings:
                    choices.append(f'        {option}) COMPREPLY=($(compgen -W '
                                   f'"{" ".join(map(str, action.choices))}" -- "$cur"));'
                                   ' return;;')
        positional = [a for a in sub._actions if not a.option_strings and a.choices]
        words = " ".join(sorted(options) + [str(c) for a in positional for c in a.choices])
        cases.append(f"    {name})\n      case \"$prev\" in\n" + "\n".join(choices)
                     + ("\n" if choices else "")
                     + f'      esac\n      COMPREPLY=($(compgen -W "{words}" -- "$cur"))\n'
                     '      [ ${#COMPREPLY[@]} -eq 0 ] && COMPREPLY=($(compgen -f -- "$cur"))'
                     '\n      ;;')
    top = " ".join(sorted(commands) + ["--help", "--version"])
    return (
        "# bash completion for segur-kg (segur-kg completion bash)\n"
        "_segur_kg() {\n"
        '  local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}"\n'
        "  if [ \"$COMP_CWORD\" -eq 1 ]; then\n"
        f'    COMPREPLY=($(compgen -W "{top}" -- "$cur")); return\n'
        "  fi\n"
        '  case "${COMP_WORDS[1]}" in\n'
        + "\n".join(cases) + "\n"
        "  esac\n"
        "}\n"
        "complete -F _segur_kg segur-kg\n"
    )


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}
