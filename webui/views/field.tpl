% if w.kind == 'group':
<fieldset class="group"><legend>{{label(w.name)}}</legend>
<p class="doc">{{_('doc.' + w.path, w.doc)}}</p>
% if errors.get(w.path):
<p class="error" role="alert" data-path="{{w.path}}">{{errors[w.path]}}</p>
% end
% for c in w.children:
% include('field.tpl', w=c)
% end
</fieldset>
% elif w.kind == 'table':
<fieldset class="table"><legend>{{label(w.name)}}</legend>
<p class="doc">{{_('doc.' + w.path, w.doc)}}</p>
% if errors.get(w.path):
<p class="error" role="alert" data-path="{{w.path}}">{{errors[w.path]}}</p>
% end
<div class="scroll"><table class="data form-table" id="t-{{w.path}}">
<thead><tr>
% for col in w.columns:
<th>{{label(col)}}</th>
% end
<th>{{_('config.remove')}}</th></tr></thead>
<tbody>
% for i, row in enumerate(w.rows):
% prefix = w.path + '[' + str(i) + ']'
% new = i == len(w.rows) - 1
<tr class="{{'new' if new else ''}}">
% for c in row:
<td>
% include('input.tpl', w=c)
</td>
% end
<td>
% if new:
<input type="hidden" name="{{prefix}}.__new" value="1"><span class="hint">{{_('config.new_row')}}</span>
% else:
<input type="checkbox" name="{{prefix}}.__delete" value="1" aria-label="{{_('config.remove')}}">
% end
</td></tr>
% end
</tbody></table></div>
</fieldset>
% else:
% err = errors.get(w.path, '')
<div class="field {{'has-error' if err else ''}}">
<label for="f-{{w.path}}">{{label(w.name)}}{{' *' if w.required else ''}}</label>
<div>
% include('input.tpl', w=w, errors={})
% if err:
<span class="error" role="alert" data-path="{{w.path}}">{{err}}</span>
% end
<small class="doc">{{_('doc.' + w.path, w.doc)}}</small>
</div>
</div>
% end
