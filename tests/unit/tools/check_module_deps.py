#!/usr/bin/env python3
"""Fails when a module under src/eddy includes a header of a module it does not depend on.

Usage: check_module_deps.py SRC_EDDY_DIR MODULE_DEPS_FILE
The deps file has one line per module, "module: dep dep ...", written by CMake from each
eddy_cc_library's DEPS; shared/DESIGN.md's module table is where those come from.
"""
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"eddy/([a-z_]+(?:/[a-z_]+)?)/')


def load_graph(path):
    graph = {}
    with open(path) as f:
        for line in f:
            if ':' not in line:
                continue
            module, deps = line.split(':', 1)
            graph[module.strip()] = deps.split()
    return graph


def closure(graph, module):
    seen, stack = set(), [module]
    while stack:
        m = stack.pop()
        if m in seen:
            continue
        seen.add(m)
        stack.extend(graph.get(m, []))
    return seen


def main():
    src, deps_file = sys.argv[1], sys.argv[2]
    graph = load_graph(deps_file)
    errors = []
    checked = 0
    def folder_of(module):
        return (os.path.join(src, *module.split('_')) if not os.path.isdir(
            os.path.join(src, module)) else os.path.join(src, module))

    module_folders = {os.path.normpath(folder_of(m)) for m in graph}
    for module in sorted(graph):
        allowed = closure(graph, module)
        folder = folder_of(module)
        for root, dirs, files in os.walk(folder):
            # A module's subfolder that is a module of its own (table/expression) is checked
            # as that module.
            dirs[:] = [d for d in dirs
                       if os.path.normpath(os.path.join(root, d)) not in module_folders]
            for name in files:
                if not name.endswith(('.h', '.cc')):
                    continue
                path = os.path.join(root, name)
                with open(path) as f:
                    for number, line in enumerate(f, 1):
                        m = INCLUDE.match(line)
                        if not m:
                            continue
                        checked += 1
                        # "api/aws" names module api_aws; "log/x" matched only as "log".
                        path = m.group(1)
                        target = (path.replace('/', '_') if path.replace('/', '_') in graph
                                  else path.split('/')[0])
                        if target not in allowed:
                            errors.append(f'{path}:{number}: module {module} includes '
                                          f'"eddy/{m.group(1)}/..." but does not depend on {target}')
    for e in errors:
        print(e)
    print(f'{checked} includes checked in {len(graph)} modules, {len(errors)} violations')
    return 1 if errors else 0


if __name__ == '__main__':
    sys.exit(main())
