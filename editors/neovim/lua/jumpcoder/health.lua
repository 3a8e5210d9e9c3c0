-- :checkhealth jumpcoder: Neovim, the server command and its Python, the model and the device.

local M = {}

local function run(cmd, timeout_ms)
  local ok, proc = pcall(vim.system, cmd, { text = true })
  if not ok then
    return nil, tostring(proc)
  end
  local res = proc:wait(timeout_ms or 15000)
  if res.code ~= 0 then
    return nil, vim.trim((res.stderr or '') .. (res.stdout or ''))
  end
  return vim.trim(res.stdout or '')
end

function M.check()
  local h = vim.health
  local jc = require('jumpcoder')
  local cfg = jc.config

  h.start('Neovim')
  local v = vim.version()
  if vim.fn.has('nvim-0.11') == 1 then
    h.ok(('Neovim %s'):format(tostring(v)))
  elseif vim.fn.has('nvim-0.10') == 1 then
    h.warn(('Neovim %s: supported through vim.lsp.start, tested on 0.11 and 0.12 only'):format(tostring(v)))
  else
    h.error(('Neovim %s is too old: 0.10 or newer is needed'):format(tostring(v)))
  end
  if vim.lsp.inline_completion then
    h.info(('vim.lsp.inline_completion: available; ui = %q'):format(cfg.ui))
  else
    h.info('vim.lsp.inline_completion: not in this Neovim (0.12+); the plugin draws its own ghost text')
  end

  h.start('Server')
  local cmd = jc.server_cmd()
  h.info('command: ' .. table.concat(cmd, ' '))
  if vim.fn.executable(cmd[1]) ~= 1 then
    h.error(cmd[1] .. ' is not executable', {
      'pip install jumpcoder-lsp (puts jumpcoder-lsp on $PATH)',
      'or set python = "/path/to/venv/bin/python" in setup()',
    })
  else
    -- the Python the server runs on: the interpreter itself, or the one in the script's shebang
    local python = cmd[1]
    if vim.fs.basename(python):match('^jumpcoder') then
      local path = vim.fn.exepath(python)
      local first = path ~= '' and vim.fn.readfile(path, '', 1)[1] or ''
      python = first:match('^#!%s*(%S+)') or python
    end
    local out, err = run({ python, '-c',
      'import sys; import jumpcoder_lsp as j; print(sys.version.split()[0], j.__version__, sys.executable)' })
    if out then
      local pyver, version, exe = out:match('^(%S+) (%S+) (.*)$')
      h.ok(('python %s (%s), jumpcoder-lsp %s'):format(pyver or '?', exe or python, version or '?'))
    else
      h.error(('%s cannot import jumpcoder_lsp'):format(python), { err or '' })
    end
  end
  local settings = jc.server_settings()
  h.info('settings sent to the server: ' .. vim.inspect(settings, { newline = ' ', indent = '' }))

  h.start('Model and device')
  local clients = vim.lsp.get_clients({ name = 'jumpcoder' })
  if #clients == 0 then
    local fts = cfg.filetypes or jc.server_filetypes or jc.FALLBACK_FILETYPES
    h.info(('no server running: open a %s file to start it'):format(table.concat(fts, '/')))
    h.info(('configured model: %s, device: %s'):format(settings.model or 'default', settings.device or 'auto'))
    return
  end
  local buf = vim.lsp.get_buffers_by_client_id(clients[1].id)[1]
  local st, err = jc.server_status(5000, buf)
  if not st then
    h.warn('the server did not answer jumpcoder.status: ' .. tostring(err))
    return
  end
  if type(st.languages) == 'table' then
    local names = vim.tbl_keys(st.languages)
    table.sort(names)
    h.info(('languages: %s (attached filetypes: %s)'):format(table.concat(names, ', '),
      cfg.filetypes and table.concat(cfg.filetypes, ', ') or "all the server's"))
  end
  local conf = type(st.config) == 'table' and st.config or {}
  local model = st.model ~= vim.NIL and st.model or nil
  if st.state == 'ready' then
    h.ok(('model: %s'):format(model or conf.model or '?'))
  elseif st.state == 'loading' then
    h.info(('model: loading %s'):format(conf.model or '?'))
  else
    h.error(('model: %s (%s)'):format(st.state or '?', st.error ~= vim.NIL and st.error or conf.model or ''))
  end
  h.info(('device: %s (configured), dtype: %s, runtime: %s'):format(
    tostring(conf.device), tostring(conf.dtype), tostring(conf.runtime)))
  local engine = type(conf.engine) == 'table' and conf.engine or {}
  h.info(('method: %s, k = %s, tau = %s, position encoding: %s'):format(
    tostring(conf.method), tostring(engine.k), tostring(engine.tau), tostring(st.positionEncoding)))
end

return M
